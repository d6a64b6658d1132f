package onvif

import (
	"errors"
	"log/slog"
	"os"
	"time"

	"github.com/rtspkit/rtspkit/server"
)

// Config configures a Service. As with server.Config, the zero value of
// every field means its documented default.
type Config struct {
	// Profiles lists the media profiles; required. ServerProfiles makes
	// one from a *server.Server.
	Profiles ProfileSource

	// Device is what GetDeviceInformation returns and the scopes name.
	Device DeviceInfo
	// Name and Location are the onvif://www.onvif.org/name/... and
	// .../location/... scopes (Core §7.3.2.2). Default name: Device.Model;
	// no location scope when empty.
	Name, Location string
	// Scopes are further scope URIs to announce and match.
	Scopes []string
	// Hostname is what GetHostname returns. Default: os.Hostname.
	Hostname string

	// Username and Password, when Username is set, require a
	// WS-UsernameToken with PasswordDigest on every operation but the
	// PRE_AUTH ones (see wsse.go).
	Username, Password string
	// ClockSkew is how far a token's Created time may be from the
	// device's clock, either way. Default 5 minutes.
	ClockSkew time.Duration

	// Transports are the RTSP transports the server really serves, which
	// GetCapabilities, GetServiceCapabilities and GetStreamUri admit. The
	// zero value means UDP and TCP, which every rtspkit server serves;
	// ServerTransports derives them from a server.Config.
	Transports Transports

	// SnapshotURI, when set, returns the JPEG snapshot URI of a profile
	// (by token), or "" when there is none. Without it, or when it
	// returns "", GetSnapshotUri answers ter:ActionNotSupported.
	SnapshotURI func(profileToken string) string

	// EndpointUUID is the WS-Discovery endpoint reference address, a
	// urn:uuid (Core §7.3.1). Default: a UUID derived from the device
	// information and host name, stable across restarts.
	EndpointUUID string

	// MaxBodyBytes bounds a request body. Default 64 KiB; larger requests
	// get HTTP 413.
	MaxBodyBytes int64

	// Now is the clock (GetSystemDateAndTime, token freshness). Default
	// time.Now.
	Now func() time.Time
	// Logger receives refused credentials and faults at debug level.
	// Default: none.
	Logger *slog.Logger
}

// DeviceInfo is the GetDeviceInformation response.
type DeviceInfo struct {
	Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareID string
}

// Transports are the RTSP transports to advertise. A transport turned on
// here that the RTSP server does not serve would send clients to a stream
// they cannot play, so only what is served is listed.
type Transports struct {
	// UDP is RTP over UDP unicast (RTP_unicast/UDP in GetStreamUri).
	UDP bool
	// TCP is RTP interleaved in the RTSP connection (RTP_unicast/RTSP,
	// the RTP_RTSP_TCP capability).
	TCP bool
	// Multicast is RTP over UDP multicast (RTP-Multicast, the
	// RTPMulticast capability).
	Multicast bool
	// HTTP is RTSP tunnelled in HTTP (RTP_unicast/HTTP), which an rtspkit
	// server serves on its RTSP port: the stream URI is the same.
	HTTP bool
}

// ServerTransports returns the transports an rtspkit server with cfg
// serves: TCP interleaved and RTSP over HTTP always; UDP unicast and
// multicast unless it speaks RTSPS (cfg.TLS), which keeps media inside
// TLS.
func ServerTransports(cfg server.Config) Transports {
	plain := cfg.TLS == nil
	return Transports{UDP: plain, TCP: true, Multicast: plain, HTTP: true}
}

// withDefaults fills in the documented defaults.
func (c Config) withDefaults() (Config, error) {
	if c.Profiles == nil {
		return c, errors.New("onvif: Config.Profiles is required")
	}
	if c.Device.Manufacturer == "" {
		c.Device.Manufacturer = "rtspkit"
	}
	if c.Device.Model == "" {
		c.Device.Model = "rtspd"
	}
	if c.Device.FirmwareVersion == "" {
		c.Device.FirmwareVersion = "1.0"
	}
	if c.Device.HardwareID == "" {
		c.Device.HardwareID = c.Device.Model
	}
	if c.Name == "" {
		c.Name = c.Device.Model
	}
	if c.Hostname == "" {
		c.Hostname, _ = os.Hostname()
	}
	if c.ClockSkew <= 0 {
		c.ClockSkew = 5 * time.Minute
	}
	t := c.Transports
	if !t.UDP && !t.TCP && !t.Multicast && !t.HTTP {
		c.Transports = Transports{UDP: true, TCP: true}
	}
	if c.EndpointUUID == "" {
		c.EndpointUUID = endpointUUID(c.Device, c.Hostname)
	} else if u, ok := normalizeUUID(c.EndpointUUID); ok {
		c.EndpointUUID = u
	} else {
		return c, errors.New("onvif: Config.EndpointUUID is not a UUID")
	}
	if c.Device.SerialNumber == "" {
		// The last group of the UUID: stable, and unique enough.
		c.Device.SerialNumber = c.EndpointUUID[len(c.EndpointUUID)-12:]
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 64 << 10
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
