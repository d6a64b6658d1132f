package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"

	"github.com/rtspkit/rtspkit/onvif"
	"github.com/rtspkit/rtspkit/server"
)

// startONVIF serves the ONVIF device and media services on o.onvif (and,
// with o.discovery, makes the device discoverable), so that NVRs that add
// cameras only through ONVIF find rtspd's stream. It returns the function
// that stops it (Bye, then the HTTP service).
func startONVIF(o options, srv *server.Server, cfg server.Config, stdout io.Writer) (func(), error) {
	svc, err := onvif.New(onvif.Config{
		Profiles:   onvif.ServerProfiles(srv, o.fps),
		Transports: onvif.ServerTransports(cfg),
		Username:   o.user, Password: o.pass,
		Device: onvif.DeviceInfo{Manufacturer: "rtspkit", Model: "rtspd"},
	})
	if err != nil {
		return nil, err
	}
	host := ""
	if cfg.ListenAddress != "" {
		host = cfg.ListenAddress
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(max(o.onvif, 0))))
	if err != nil {
		return nil, fmt.Errorf("-onvif: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.Serve(ctx, ln) }()
	var disc *onvif.Discovery
	if o.discovery {
		dc := onvif.DiscoveryConfig{Port: port}
		if o.host != "" {
			dc.XAddrs = []string{"http://" + net.JoinHostPort(o.host, strconv.Itoa(port)) + onvif.DevicePath}
		}
		if disc, err = svc.StartDiscovery(dc); err != nil {
			cancel()
			<-done
			return nil, fmt.Errorf("-onvif: WS-Discovery: %w", err)
		}
	}
	shown := o.host
	if shown == "" {
		shown = "<host>"
	}
	fmt.Fprintf(stdout, "rtspd: ONVIF device service at http://%s%s\n", net.JoinHostPort(shown, strconv.Itoa(port)), onvif.DevicePath)
	return func() {
		if disc != nil {
			disc.Close() // Bye
		}
		cancel()
		<-done
	}, nil
}
