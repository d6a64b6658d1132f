package onvif

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The npm onvif client (agsh/onvif 0.8.3, pinned with its lock file in
// testdata/npm) is installed once per test binary into a temporary copy
// of that folder, so the source tree never gets a node_modules.
var npmClientDir struct {
	once sync.Once
	dir  string
	err  error
	out  []byte
}

// npmClient returns a folder holding client.js and its node_modules,
// installing them the first time.
func npmClient(t *testing.T) string {
	t.Helper()
	needTool(t, "node", "the Debian package nodejs")
	npm := needTool(t, "npm", "the Debian package npm")
	dir, out, err := installNPM(npm)
	require.NoError(t, err, "npm install onvif@0.8.3: %s", out)
	return dir
}

// installNPM installs the client once per test binary and returns its
// folder, or npm's output and error.
func installNPM(npm string) (string, []byte, error) {
	c := &npmClientDir
	c.once.Do(func() {
		c.dir, c.err = os.MkdirTemp("", "rtspkit-onvif-npm-")
		if c.err != nil {
			return
		}
		for _, f := range []string{"package.json", "package-lock.json", "client.js"} {
			var b []byte
			if b, c.err = os.ReadFile(filepath.Join("testdata", "npm", f)); c.err != nil {
				return
			}
			if c.err = os.WriteFile(filepath.Join(c.dir, f), b, 0o644); c.err != nil {
				return
			}
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*hang)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "install", "--no-audit", "--no-fund")
		cmd.Dir = c.dir
		cmd.Env = append(os.Environ(), "npm_config_update_notifier=false")
		c.out, c.err = cmd.CombinedOutput()
	})
	return c.dir, c.out, c.err
}

// removeNPMClient deletes the installed client; TestMain calls it.
func removeNPMClient() {
	if npmClientDir.dir != "" {
		_ = os.RemoveAll(npmClientDir.dir)
	}
}

// npmResult is what client.js prints.
type npmResult struct {
	Error             string
	DeviceInformation struct {
		Manufacturer, Model, SerialNumber, HardwareID string
	}
	Profiles []struct {
		Token, Name, Encoding string
		Width, Height, Fps    int
	}
	ActiveSource struct{ SourceToken, ProfileToken string }
	StreamURI    string `json:"streamUri"`
	Devices      []struct {
		Address string
		Types   string
		Scopes  []string
		Xaddrs  []string
	}
}

// runNode runs client.js with args and decodes its JSON line.
func runNode(t *testing.T, dir string, args ...string) npmResult {
	t.Helper()
	node := needTool(t, "node", "the Debian package nodejs")
	ctx, cancel := context.WithTimeout(context.Background(), hang)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{"client.js"}, args...)...)
	cmd.Dir = dir
	out, err := cmd.Output()
	var res npmResult
	require.NoError(t, json.Unmarshal(out, &res), "node client.js %v: %v: %s", args, err, out)
	return res
}

// TestNpmOnvifClient connects the npm onvif client to the service in
// front of a real server, with and without credentials: its connect()
// (GetSystemDateAndTime, GetServices, GetProfiles, GetVideoSources), then
// getDeviceInformation, getProfiles and getStreamUri; ffprobe then plays
// the URI it got.
func TestNpmOnvifClient(t *testing.T) {
	dir := npmClient(t)
	srv, st := camera(t)
	want, err := st.URL()
	require.NoError(t, err)
	for _, c := range []struct{ name, user, pass string }{{"open", "", ""}, {"credentials", "admin", "s3cret"}} {
		t.Run(c.name, func(t *testing.T) {
			svc, err := New(Config{Profiles: ServerProfiles(srv, 25), Username: c.user, Password: c.pass,
				Device: DeviceInfo{Manufacturer: "rtspkit", Model: "rtspd-test", FirmwareVersion: "1.2.3-test", SerialNumber: "SN-42x"}})
			require.NoError(t, err)
			port := strconv.Itoa(serve(t, svc).Port)
			args := []string{"cam", "127.0.0.1", port}
			if c.user != "" {
				args = append(args, c.user, c.pass)
			}
			res := runNode(t, dir, args...)
			require.Empty(t, res.Error)
			require.Equal(t, "rtspkit", res.DeviceInformation.Manufacturer)
			require.Equal(t, "rtspd-test", res.DeviceInformation.Model)
			require.Equal(t, "SN-42x", res.DeviceInformation.SerialNumber)
			require.Len(t, res.Profiles, 1)
			p := res.Profiles[0]
			require.Equal(t, "test", p.Token)
			require.Equal(t, "H264", p.Encoding)
			require.Equal(t, 1280, p.Width)
			require.Equal(t, 720, p.Height)
			require.Equal(t, 25, p.Fps)
			require.Equal(t, "test", res.ActiveSource.ProfileToken, "connect() paired the profile with its video source")
			require.Equal(t, want, res.StreamURI)

			codec, w, h := ffprobeStream(t, res.StreamURI)
			require.Equal(t, "h264", codec)
			require.Equal(t, 1280, w)
			require.Equal(t, 720, h)

			if c.user != "" {
				res := runNode(t, dir, "cam", "127.0.0.1", port, c.user, "wrong")
				require.Contains(t, res.Error, "Sender not Authorized")
				res = runNode(t, dir, "cam", "127.0.0.1", port)
				require.Contains(t, res.Error, "Sender not Authorized")
			}
		})
	}
}
