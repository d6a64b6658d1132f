package onvif

import "strconv"

// The service versions GetServices reports (Core §8.1.2.2: "the
// specification version number of the corresponding service that is
// implemented"): the releases of the Core and Media specifications this
// package was written against.
const (
	versionMajor = 21
	versionMinor = 12
)

// getCapabilities answers GetCapabilities (Core §8.1.2.4), the older
// capability exchange that most clients still start with. Only the
// device and media categories exist here; asking for another one alone is
// ter:ActionNotSupported ter:NoSuchService, as the operation table says.
func (c *call) getCapabilities() *fault {
	want := map[string]bool{}
	for _, cat := range c.req.op.children("Category") {
		want[cat.Text] = true
	}
	all := len(want) == 0 || want["All"]
	device, media := all || want["Device"], all || want["Media"]
	if !device && !media {
		return faultActionNotSupported("ter:NoSuchService")
	}
	w := c.w
	w.start("tds:GetCapabilitiesResponse")
	w.start("tds:Capabilities")
	if device {
		w.start("tt:Device")
		w.leaf("tt:XAddr", c.base+DevicePath)
		w.start("tt:Network")
		w.leafBool("tt:IPFilter", false)
		w.leafBool("tt:ZeroConfiguration", false)
		w.leafBool("tt:IPVersion6", false)
		w.leafBool("tt:DynDNS", false)
		w.end("tt:Network")
		w.start("tt:System")
		w.leafBool("tt:DiscoveryResolve", false)
		w.leafBool("tt:DiscoveryBye", true)
		w.leafBool("tt:RemoteDiscovery", false)
		w.leafBool("tt:SystemBackup", false)
		w.leafBool("tt:SystemLogging", false)
		w.leafBool("tt:FirmwareUpgrade", false)
		w.start("tt:SupportedVersions")
		w.leafInt("tt:Major", versionMajor)
		w.leafInt("tt:Minor", versionMinor)
		w.end("tt:SupportedVersions")
		w.end("tt:System")
		w.start("tt:Security")
		for _, name := range []string{"tt:TLS1.1", "tt:TLS1.2", "tt:OnboardKeyGeneration", "tt:AccessPolicyConfig", "tt:X.509Token", "tt:SAMLToken", "tt:KerberosToken", "tt:RELToken"} {
			w.leafBool(name, false)
		}
		w.end("tt:Security")
		w.end("tt:Device")
	}
	if media {
		t := c.svc.cfg.Transports
		w.start("tt:Media")
		w.leaf("tt:XAddr", c.base+MediaPath)
		w.start("tt:StreamingCapabilities")
		w.leafBool("tt:RTPMulticast", t.Multicast)
		// RTP_TCP is RTP over plain TCP (RFC 4571), which nothing
		// here serves; RTP_RTSP_TCP is RTP interleaved in RTSP.
		w.leafBool("tt:RTP_TCP", false)
		w.leafBool("tt:RTP_RTSP_TCP", t.TCP)
		w.end("tt:StreamingCapabilities")
		w.start("tt:Extension")
		w.start("tt:ProfileCapabilities")
		w.leafInt("tt:MaximumNumberOfProfiles", c.svc.profileCount())
		w.end("tt:ProfileCapabilities")
		w.end("tt:Extension")
		w.end("tt:Media")
	}
	w.end("tds:Capabilities")
	w.end("tds:GetCapabilitiesResponse")
	return nil
}

// getServices answers GetServices (Core §8.1.2.2): the device and media
// services, with their capabilities when IncludeCapability is true.
func (c *call) getServices() *fault {
	include := c.req.op.text("IncludeCapability") == "true" || c.req.op.text("IncludeCapability") == "1"
	w := c.w
	w.start("tds:GetServicesResponse")
	for _, svc := range []struct {
		ns, path string
		caps     func()
	}{
		{nsDevice, DevicePath, c.writeDeviceServiceCapabilities},
		{nsMedia, MediaPath, c.writeMediaServiceCapabilities},
	} {
		w.start("tds:Service")
		w.leaf("tds:Namespace", svc.ns)
		w.leaf("tds:XAddr", c.base+svc.path)
		if include {
			w.start("tds:Capabilities")
			svc.caps()
			w.end("tds:Capabilities")
		}
		w.start("tds:Version")
		w.leafInt("tt:Major", versionMajor)
		w.leafInt("tt:Minor", versionMinor)
		w.end("tds:Version")
		w.end("tds:Service")
	}
	w.end("tds:GetServicesResponse")
	return nil
}

// getDeviceServiceCapabilities answers the device service's
// GetServiceCapabilities (Core §8.1.2.3).
func (c *call) getDeviceServiceCapabilities() *fault {
	c.w.start("tds:GetServiceCapabilitiesResponse")
	c.writeDeviceServiceCapabilities()
	c.w.end("tds:GetServiceCapabilitiesResponse")
	return nil
}

// writeDeviceServiceCapabilities writes tds:Capabilities: only WS
// UsernameToken authentication, Bye messages, and nothing to configure.
func (c *call) writeDeviceServiceCapabilities() {
	w := c.w
	w.start("tds:Capabilities")
	w.empty("tds:Network", "IPFilter", "false", "ZeroConfiguration", "false", "IPVersion6", "false",
		"DynDNS", "false", "Dot11Configuration", "false", "HostnameFromDHCP", "false", "NTP", "0")
	w.empty("tds:Security", "TLS1.0", "false", "TLS1.1", "false", "TLS1.2", "false",
		"OnboardKeyGeneration", "false", "AccessPolicyConfig", "false", "DefaultAccessPolicy", "false",
		"Dot1X", "false", "RemoteUserHandling", "false", "X.509Token", "false", "SAMLToken", "false",
		"KerberosToken", "false", "UsernameToken", "true", "HttpDigest", "false", "RELToken", "false")
	w.empty("tds:System", "DiscoveryResolve", "false", "DiscoveryBye", "true", "RemoteDiscovery", "false",
		"SystemBackup", "false", "SystemLogging", "false", "FirmwareUpgrade", "false",
		"HttpFirmwareUpgrade", "false", "HttpSystemBackup", "false", "HttpSystemLogging", "false",
		"HttpSupportInformation", "false")
	w.end("tds:Capabilities")
}

// getMediaServiceCapabilities answers the media service's
// GetServiceCapabilities (Media Service Specification §5.1).
func (c *call) getMediaServiceCapabilities() *fault {
	c.w.start("trt:GetServiceCapabilitiesResponse")
	c.writeMediaServiceCapabilities()
	c.w.end("trt:GetServiceCapabilitiesResponse")
	return nil
}

// writeMediaServiceCapabilities writes trt:Capabilities: the transports
// served, and SnapshotUri when snapshots are configured.
func (c *call) writeMediaServiceCapabilities() {
	t := c.svc.cfg.Transports
	w := c.w
	w.start("trt:Capabilities", "SnapshotUri", boolAttr(c.svc.cfg.SnapshotURI != nil), "Rotation", "false",
		"VideoSourceMode", "false", "OSD", "false", "EXICompression", "false")
	w.empty("trt:ProfileCapabilities", "MaximumNumberOfProfiles", strconv.Itoa(c.svc.profileCount()))
	w.empty("trt:StreamingCapabilities", "RTPMulticast", boolAttr(t.Multicast), "RTP_TCP", "false",
		"RTP_RTSP_TCP", boolAttr(t.TCP), "NonAggregateControl", "false", "NoRTSPStreaming", "false")
	w.end("trt:Capabilities")
}
