package client

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rtspkit/rtspkit/auth"
	"github.com/rtspkit/rtspkit/rtsp"
	"github.com/rtspkit/rtspkit/server"
)

func dial(t *testing.T, url string, opt Options) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := Dial(ctx, url, opt)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestAuth(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{Username: "admin", Password: "s3cret"})
	withUser := strings.Replace(ts.url, "rtsp://", "rtsp://admin:s3cret@", 1)
	wrongUser := strings.Replace(ts.url, "rtsp://", "rtsp://admin:nope@", 1)
	tests := []struct {
		name    string
		url     string
		opt     Options
		wantErr error // nil: the whole play sequence works
	}{
		{"options credentials", ts.url, Options{Username: "admin", Password: "s3cret"}, nil},
		{"url credentials", withUser, Options{}, nil},
		{"options win over url", wrongUser, Options{Username: "admin", Password: "s3cret"}, nil},
		{"tcp", ts.url, Options{Transport: TransportTCP, Username: "admin", Password: "s3cret"}, nil},
		{"wrong password", ts.url, Options{Username: "admin", Password: "wrong"}, auth.ErrRejected},
		{"wrong password in url", wrongUser, Options{}, auth.ErrRejected},
		{"unknown user", ts.url, Options{Username: "root", Password: "s3cret"}, auth.ErrRejected},
		{"no credentials", ts.url, Options{}, ErrAuthRequired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, tc.url, tc.opt)
			desc, err := c.Describe()
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				var se *StatusError
				require.ErrorAs(t, err, &se)
				require.Equal(t, rtsp.StatusUnauthorized, se.Response.StatusCode)
				require.Nil(t, desc)
				return
			}
			require.NoError(t, err)
			require.NoError(t, c.Setup(0))
			got := make(chan Frame, 1)
			c.OnFrame = func(_ int, f Frame) {
				select {
				case got <- f:
				default:
				}
			}
			_, err = c.Play()
			require.NoError(t, err)
			select {
			case f := <-got:
				require.True(t, f.Keyframe)
			case <-time.After(5 * time.Second):
				t.Fatal("no frame")
			}
			// Every later request carries credentials too.
			_, err = c.GetParameter()
			require.NoError(t, err)
			_, err = c.Teardown()
			require.NoError(t, err)
		})
	}
}

// TestReceiverReports checks that the server gets the client's RTCP
// receiver reports over each transport, on the path the RFCs give.
func TestReceiverReports(t *testing.T) {
	t.Parallel()
	for _, tr := range []Transport{TransportUDP, TransportTCP} {
		t.Run(tr.String(), func(t *testing.T) {
			ts := startServer(t, server.Config{})
			c := dial(t, ts.url, Options{Transport: tr, ReceiverReportInterval: 100 * time.Millisecond})
			_, err := c.Describe()
			require.NoError(t, err)
			require.NoError(t, c.Setup(0))
			_, err = c.Play()
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				st, err := ts.srv.Stats("test")
				if err != nil || len(st.Readers) != 1 {
					return false
				}
				return !st.Readers[0].Tracks[0].LastReport.IsZero()
			}, 5*time.Second, 20*time.Millisecond, "the server saw no receiver report")
			st := c.Stats()[0]
			require.GreaterOrEqual(t, st.ReceiverReports, uint64(1))
			st2, err := ts.srv.Stats("test")
			require.NoError(t, err)
			require.Zero(t, st2.Readers[0].Tracks[0].TotalLost)
		})
	}
}

// TestSessionControl walks PAUSE, PLAY again, GET_PARAMETER, keep-alives
// and TEARDOWN.
func TestSessionControl(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	c := dial(t, ts.url, Options{Transport: TransportTCP, KeepAliveInterval: 50 * time.Millisecond})
	_, err := c.Play()
	require.ErrorIs(t, err, ErrNotSetup)
	require.ErrorIs(t, c.Setup(0), ErrNoDescription)
	desc, err := c.Describe()
	require.NoError(t, err)
	require.ErrorIs(t, c.Setup(1), ErrBadTrack)
	require.ErrorIs(t, c.Setup(-1), ErrBadTrack)
	require.NoError(t, c.Setup(0))
	require.ErrorIs(t, c.Setup(0), ErrAlreadySetup)
	require.NotEmpty(t, c.Session())
	require.Equal(t, "rtsp://127.0.0.1", desc.BaseURL.Scheme+"://"+desc.BaseURL.Hostname())

	frames := make(chan Frame, 1000)
	c.OnFrame = func(_ int, f Frame) { frames <- Frame{Timestamp: f.Timestamp, Keyframe: f.Keyframe} }
	_, err = c.Play()
	require.NoError(t, err)
	waitFrames(t, frames, 5)

	// Keep-alives go out while playing (the request count grows).
	cseq := func() uint32 { c.reqMu.Lock(); defer c.reqMu.Unlock(); return c.cseq }
	before := cseq()
	require.Eventually(t, func() bool { return cseq() >= before+3 }, 3*time.Second, 10*time.Millisecond)

	resp, err := c.Pause()
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusOK, resp.StatusCode)
	time.Sleep(100 * time.Millisecond)
	for len(frames) > 0 {
		<-frames
	}
	time.Sleep(200 * time.Millisecond)
	require.Empty(t, frames, "frames kept coming while paused")

	resp, err = c.Play()
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusOK, resp.StatusCode)
	waitFrames(t, frames, 3)

	resp, err = c.GetParameter()
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusOK, resp.StatusCode)

	resp, err = c.Teardown()
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusOK, resp.StatusCode)
	require.Empty(t, c.Session())
	_, err = c.Teardown()
	require.ErrorIs(t, err, ErrNotSetup)
	// A new session can be set up on the same connection.
	require.NoError(t, c.Setup(0))
	_, err = c.Play()
	require.NoError(t, err)
	waitFrames(t, frames, 3)
	require.NoError(t, c.Close())
	require.NoError(t, c.Close())
	_, err = c.GetParameter()
	require.ErrorIs(t, err, ErrClosed)
}

func waitFrames(t *testing.T, ch chan Frame, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		select {
		case <-ch:
		case <-time.After(5 * time.Second):
			t.Fatalf("got %d of %d frames", i, n)
		}
	}
}

func TestDo(t *testing.T) {
	t.Parallel()
	ts := startServer(t, server.Config{})
	c := dial(t, ts.url, Options{UserAgent: "tester/1"})

	resp, err := c.Do(&rtsp.Request{Method: rtsp.Options})
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusOK, resp.StatusCode)
	pub, err := rtsp.ParseMethods(resp.Header.Get("Public"))
	require.NoError(t, err)
	require.True(t, pub.Has(rtsp.Describe))

	// A caller's CSeq is sent as is and matched.
	resp, err = c.Do(&rtsp.Request{Method: rtsp.Options, Header: rtsp.Header{"CSeq": {"777"}}})
	require.NoError(t, err)
	cs, err := resp.CSeq()
	require.NoError(t, err)
	require.EqualValues(t, 777, cs)

	// Unknown resources and methods get the server's status, not an
	// error.
	u := c.URL()
	u.Path = "/nothing"
	resp, err = c.Do(&rtsp.Request{Method: rtsp.Describe, URL: u})
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusNotFound, resp.StatusCode)
	resp, err = c.Do(&rtsp.Request{Method: "FROBNICATE"})
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusNotImplemented, resp.StatusCode)
	resp, err = c.Do(&rtsp.Request{Method: rtsp.Play})
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusSessionNotFound, resp.StatusCode)

	// The typed methods turn such answers into a *StatusError.
	c2 := dial(t, strings.TrimSuffix(ts.url, "test")+"missing", Options{})
	_, err = c2.Describe()
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, rtsp.StatusNotFound, se.Response.StatusCode)
	require.Equal(t, rtsp.Describe, se.Method)

	// A malformed request gets 400.
	resp, err = c.DoRaw([]byte("DESCRIBE rtsp://x/test RTSP/1.0\r\nCSeq: banana\r\n\r\n"))
	require.NoError(t, err)
	require.Equal(t, rtsp.StatusBadRequest, resp.StatusCode)
}

func TestDialErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, u := range []string{"http://host/x", "rtsp:///nohost", "::", "rtsp://[::1"} {
		_, err := Dial(ctx, u, Options{})
		require.ErrorIs(t, err, ErrBadURL, u)
	}
	// Nothing listens on a port we just freed.
	ts := startServer(t, server.Config{})
	url := ts.url
	require.NoError(t, ts.srv.Stop())
	_, err := Dial(ctx, url, Options{Timeout: time.Second})
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrBadURL))
}
