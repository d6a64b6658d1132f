package onvif

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"
)

// Paths of the services. Core §5.1.1: "The entry point for the device
// management service is fixed to: /onvif/device_service"; the media
// service's is ours to choose and is announced by GetCapabilities and
// GetServices.
const (
	DevicePath = "/onvif/device_service"
	MediaPath  = "/onvif/media_service"
)

// A Service is the ONVIF device and media web service: an http.Handler
// for DevicePath and MediaPath. Serve runs it on a listener; StartDiscovery
// makes it discoverable. It is safe for concurrent use.
type Service struct {
	cfg  Config
	auth *authenticator // nil without credentials
	ops  map[opKey]opDef
}

// opKey names an operation: the namespace and local name of the Body's
// first element.
type opKey struct{ space, local string }

// opDef is an operation's handler and whether it is PRE_AUTH.
type opDef struct {
	fn func(c *call) *fault
	// preAuth marks the operations of access class PRE_AUTH (Core §5.9,
	// "Access classes for service requests": "The service shall not
	// require user authentication"): GetSystemDateAndTime, which a
	// client needs to compute its token's Created time, and, per their
	// operation tables in Core §8.1 and §8.2.1, GetServices,
	// GetServiceCapabilities, GetCapabilities and GetHostname. None of
	// them tells anything about the streams.
	preAuth bool
}

// call is one request being answered.
type call struct {
	svc  *Service
	r    *http.Request
	req  *request
	w    *xw
	base string // http://host:port of the request, for XAddrs
}

// New returns a Service for cfg.
func New(cfg Config) (*Service, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg}
	if cfg.Username != "" {
		s.auth = &authenticator{user: cfg.Username, pass: cfg.Password, skew: cfg.ClockSkew, now: cfg.Now}
	}
	s.ops = map[opKey]opDef{}
	s.registerDevice()
	s.registerMedia()
	return s, nil
}

// EndpointUUID returns the WS-Discovery endpoint reference address,
// urn:uuid:...
func (s *Service) EndpointUUID() string { return s.cfg.EndpointUUID }

// ServeHTTP answers SOAP requests on DevicePath and MediaPath. Operations
// are dispatched by the namespace of the Body's element, not by path:
// some clients send every request to the device service's address.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != DevicePath && r.URL.Path != MediaPath {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		// Core §5.8.2.4, "HTTP errors": 405 for a method other than
		// POST (or GET, which nothing here serves).
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST with a SOAP envelope", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.respond(w, r, nil, soap12, &fault{Code: "Sender", Subcodes: []string{"ter:InvalidArgs"},
			Reason: "request larger than " + strconv.FormatInt(s.cfg.MaxBodyBytes, 10) + " bytes", Status: http.StatusRequestEntityTooLarge})
		return
	}
	if err != nil {
		return // the client went away
	}
	req, f := parseEnvelope(bytes.NewReader(body))
	if f != nil {
		v := soap12
		if req != nil {
			v = req.version
		}
		s.respond(w, r, nil, v, f)
		return
	}
	// Credentials are checked first, also for an operation we do not
	// have, so that an unauthenticated client learns nothing, not even
	// which operations exist.
	def, f := s.lookup(req.op)
	if s.auth != nil && !def.preAuth {
		if err := s.auth.check(tokenFrom(req.header), remoteIP(r)); err != nil {
			s.cfg.Logger.Info("onvif: refused credentials", "remote", r.RemoteAddr, "op", req.op.Local, "reason", err)
			f = faultNotAuthorized()
		}
	}
	if f != nil {
		s.respond(w, r, nil, req.version, f)
		return
	}
	c := &call{svc: s, r: r, req: req, w: &xw{}, base: baseURL(r)}
	s.respond(w, r, c, req.version, nil)
}

// lookup finds the operation of the Body's element. An operation of a
// service we serve that we do not implement is ter:ActionNotSupported
// (Core §5.1.2); anything else is ter:UnknownAction.
func (s *Service) lookup(op *node) (opDef, *fault) {
	if def, ok := s.ops[opKey{op.Space, op.Local}]; ok {
		return def, nil
	}
	if op.Space == nsDevice || op.Space == nsMedia {
		return opDef{}, faultActionNotSupported("")
	}
	return opDef{}, faultUnknownAction()
}

// respond runs the call (when c is not nil) and writes its response, or
// writes fault f.
func (s *Service) respond(w http.ResponseWriter, r *http.Request, c *call, v soapVersion, f *fault) {
	out := &xw{}
	writeEnvelope(out, v, func(body *xw) {
		if c != nil {
			c.w = body
			mark := body.b.Len()
			if f = s.ops[opKey{c.req.op.Space, c.req.op.Local}].fn(c); f != nil {
				body.b.Truncate(mark)
			}
		}
		if f != nil {
			writeFault(body, v, f)
		}
	})
	status := http.StatusOK
	if f != nil {
		status = f.status()
		if v == soap11 && status != http.StatusRequestEntityTooLarge {
			status = http.StatusInternalServerError // SOAP 1.1 §6.2
		}
		s.cfg.Logger.Debug("onvif: fault", "remote", r.RemoteAddr, "code", f.Code, "subcodes", f.Subcodes, "reason", f.Reason)
	}
	ct := "application/soap+xml; charset=utf-8"
	if v == soap11 {
		ct = "text/xml; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(out.b.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(out.b.Bytes())
}

// remoteIP returns the client's IP address without port.
func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// baseURL returns http://host:port as the client addressed us. Core §8.1.2.2
// (GetServices): "For the returned XAddr a device shall match the scheme
// and IP part of the one used in the GetServices request", which also
// makes the addresses right behind port forwarding and on loopback.
func baseURL(r *http.Request) string {
	host := r.Host
	if host == "" {
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			host = a.String()
		}
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + host
}

// Serve serves the service on ln until ctx ends, then shuts down within 5
// seconds and returns ctx.Err(). Other errors are the listener's.
func (s *Service) Serve(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.cfg.Logger.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		select {
		case <-ctx.Done():
		case <-done:
			return
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if hs.Shutdown(sctx) != nil {
			_ = hs.Close()
		}
	}()
	err := hs.Serve(ln)
	close(done)
	<-stopped
	if errors.Is(err, http.ErrServerClosed) {
		return ctx.Err()
	}
	return err
}
