package onvif

import "time"

// registerDevice adds the device management operations this package
// answers (Core Specification chapter 8, "Device management").
func (s *Service) registerDevice() {
	add := func(local string, fn func(c *call) *fault, preAuth bool) {
		s.ops[opKey{nsDevice, local}] = opDef{fn: fn, preAuth: preAuth}
	}
	add("GetDeviceInformation", (*call).getDeviceInformation, false)
	add("GetCapabilities", (*call).getCapabilities, true)
	add("GetServices", (*call).getServices, true)
	add("GetServiceCapabilities", (*call).getDeviceServiceCapabilities, true)
	add("GetSystemDateAndTime", (*call).getSystemDateAndTime, true)
	add("GetNetworkInterfaces", (*call).getNetworkInterfaces, false)
	add("GetScopes", (*call).getScopes, false)
	add("GetHostname", (*call).getHostname, true)
}

// getDeviceInformation answers GetDeviceInformation (Core §8.3, "System").
func (c *call) getDeviceInformation() *fault {
	d := c.svc.cfg.Device
	w := c.w
	w.start("tds:GetDeviceInformationResponse")
	w.leaf("tds:Manufacturer", d.Manufacturer)
	w.leaf("tds:Model", d.Model)
	w.leaf("tds:FirmwareVersion", d.FirmwareVersion)
	w.leaf("tds:SerialNumber", d.SerialNumber)
	w.leaf("tds:HardwareId", d.HardwareID)
	w.end("tds:GetDeviceInformationResponse")
	return nil
}

// getSystemDateAndTime answers GetSystemDateAndTime (Core §8.3). The
// device's clock is reported in UTC, with the POSIX time zone "UTC0" and
// the local time equal to it: clients use it to compute the offset they
// add to their token's Created time (node onvif's timeShift, libonvif's
// time_offset), and UTC needs no time zone database on either side.
func (c *call) getSystemDateAndTime() *fault {
	now := c.svc.cfg.Now().UTC()
	w := c.w
	w.start("tds:GetSystemDateAndTimeResponse")
	w.start("tds:SystemDateAndTime")
	w.leaf("tt:DateTimeType", "Manual")
	w.leafBool("tt:DaylightSavings", false)
	w.start("tt:TimeZone")
	w.leaf("tt:TZ", "UTC0")
	w.end("tt:TimeZone")
	writeDateTime(w, "tt:UTCDateTime", now)
	writeDateTime(w, "tt:LocalDateTime", now)
	w.end("tds:SystemDateAndTime")
	w.end("tds:GetSystemDateAndTimeResponse")
	return nil
}

// writeDateTime writes a tt:DateTime.
func writeDateTime(w *xw, name string, t time.Time) {
	w.start(name)
	w.start("tt:Time")
	w.leafInt("tt:Hour", t.Hour())
	w.leafInt("tt:Minute", t.Minute())
	w.leafInt("tt:Second", t.Second())
	w.end("tt:Time")
	w.start("tt:Date")
	w.leafInt("tt:Year", t.Year())
	w.leafInt("tt:Month", int(t.Month()))
	w.leafInt("tt:Day", t.Day())
	w.end("tt:Date")
	w.end(name)
}

// getScopes answers GetScopes (Core §8.3): the scopes are fixed, set by
// the configuration, not by SetScopes.
func (c *call) getScopes() *fault {
	w := c.w
	w.start("tds:GetScopesResponse")
	for _, sc := range c.svc.scopes() {
		w.start("tds:Scopes")
		w.leaf("tt:ScopeDef", "Fixed")
		w.leaf("tt:ScopeItem", sc)
		w.end("tds:Scopes")
	}
	w.end("tds:GetScopesResponse")
	return nil
}

// getHostname answers GetHostname (Core §8.2.1).
func (c *call) getHostname() *fault {
	w := c.w
	w.start("tds:GetHostnameResponse")
	w.start("tds:HostnameInformation")
	w.leafBool("tt:FromDHCP", false)
	w.leaf("tt:Name", c.svc.cfg.Hostname)
	w.end("tds:HostnameInformation")
	w.end("tds:GetHostnameResponse")
	return nil
}

// getNetworkInterfaces answers GetNetworkInterfaces (Core §8.2) with
// the machine's interfaces that are up and have an IPv4 address: read
// only, as the device does not own the host's network configuration.
func (c *call) getNetworkInterfaces() *fault {
	w := c.w
	w.start("tds:GetNetworkInterfacesResponse")
	for _, ifc := range hostInterfaces() {
		w.start("tds:NetworkInterfaces", "token", ifc.Name)
		w.leafBool("tt:Enabled", true)
		w.start("tt:Info")
		w.leaf("tt:Name", ifc.Name)
		w.leaf("tt:HwAddress", ifc.HardwareAddr)
		w.leafInt("tt:MTU", ifc.MTU)
		w.end("tt:Info")
		w.start("tt:IPv4")
		w.leafBool("tt:Enabled", true)
		w.start("tt:Config")
		for _, a := range ifc.IPv4 {
			w.start("tt:Manual")
			w.leaf("tt:Address", a.Addr().String())
			w.leafInt("tt:PrefixLength", a.Bits())
			w.end("tt:Manual")
		}
		w.leafBool("tt:DHCP", false)
		w.end("tt:Config")
		w.end("tt:IPv4")
		w.end("tds:NetworkInterfaces")
	}
	w.end("tds:GetNetworkInterfacesResponse")
	return nil
}
