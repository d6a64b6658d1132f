//go:build linux

package conformance

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// GStreamer 1.22's rtspsrc races itself on the way down. After the EOS,
// gst-launch takes the pipeline from PLAYING to NULL in one call: rtspsrc
// hands a PAUSE to its own thread on PLAYING→PAUSED and a CLOSE on
// PAUSED→READY, and the CLOSE flushes the connection to interrupt whatever
// that thread is doing. When the thread is scheduled late, the flush lands
// before the PAUSE is written; rtspsrc reports the interrupted send as
// "Could not send message. (Received end-of-file)" from
// gst_rtspsrc_try_send and gst_rtspsrc_pause, posts it as an error, and
// gst-launch exits 1. The server never saw that PAUSE and was still
// serving: the TEARDOWN that rtspsrc sends next, on the same connection,
// is answered 200. (Read with GST_DEBUG=rtspsrc:6 on a failing run, 2 runs
// in 80 under two busy loops; the flush is logged before the PAUSE.)
//
// That error, after the EOS and from those two functions only, is the
// player's, not the stream's: gstShutdownRace recognises it, and the suite
// notes it instead of failing. Any other error fails as before.

// gstErrorBlocks splits gst-launch's error output into its messages: an
// "ERROR:" or "WARNING:" line and the lines after it ("Additional debug
// info:", the source location, the detail) up to the next message.
func gstErrorBlocks(out string) []string {
	var blocks []string
	for _, l := range nonEmptyLines(out) {
		switch {
		case strings.HasPrefix(l, "ERROR:") || strings.HasPrefix(l, "WARNING:"):
			blocks = append(blocks, l)
		case len(blocks) > 0 && !strings.HasPrefix(l, "/GstPipeline:") && !gstStatusLine(l):
			blocks[len(blocks)-1] += "\n" + l
		}
	}
	return blocks
}

// gstStatusLine reports whether l is one of gst-launch's own progress
// lines, which end an error message's block.
func gstStatusLine(l string) bool {
	for _, p := range []string{"Setting pipeline", "Pipeline is", "Got EOS", "Execution ended", "Freeing pipeline",
		"Redistribute latency", "Progress:", "New clock", "Got context", "EOS on shutdown", "Waiting for EOS",
		"Interrupt:", "handling interrupt", "Got message"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

// gstShutdownRace reports whether every block is rtspsrc's shutdown race
// (see above): errors from GstRTSPSrc raised in gst_rtspsrc_try_send or
// gst_rtspsrc_pause with "Could not send message", at least one of them
// from gst_rtspsrc_pause. It says nothing of when they came: the caller
// checks that the pipeline had reached its EOS.
func gstShutdownRace(blocks []string) bool {
	pause := false
	for _, b := range blocks {
		if !strings.HasPrefix(b, "ERROR: from element ") || !strings.Contains(b, "GstRTSPSrc:") ||
			!strings.Contains(b, "Could not send message.") {
			return false
		}
		switch {
		case strings.Contains(b, "gst_rtspsrc_pause ()"):
			pause = true
		case strings.Contains(b, "gst_rtspsrc_try_send ()"):
		default:
			return false
		}
	}
	return pause
}

// gstEOS is what gst-launch prints when the whole pipeline has ended.
const gstEOS = `Got EOS from element "pipeline0".`

// gstPlayN runs gst-launch-1.0 on a pipeline whose sink ends it after a
// number of buffers (fakesink num-buffers=N), and returns its standard
// output and error output, in the order written. It fails t unless the
// pipeline reached its EOS, so that the sink took every buffer, with no
// error before it, and exited 0; or exited 1 after the EOS for rtspsrc's
// shutdown race alone, which it logs. Warnings are logged: they fail
// nothing, as they end nothing.
func gstPlayN(ctx context.Context, t *testing.T, what string, pipeline ...string) string {
	t.Helper()
	needTool(t, "gst-launch-1.0", "gstreamer1.0-tools")
	ctx, cancel := context.WithTimeout(ctx, toolDeadline)
	defer cancel()
	var out bytes.Buffer
	cmd := toolCommand(ctx, "gst-launch-1.0", pipeline...)
	cmd.Stdout, cmd.Stderr = &out, &out // one pipe: the order is kept
	err := cmd.Run()
	text := out.String()
	require.NoError(t, ctx.Err(), "%s: gst-launch killed at its deadline: %s", what, lastLines(text, 10))
	before, after, eos := strings.Cut(text, gstEOS)
	require.True(t, eos, "%s: the pipeline never reached its EOS (%v): %s", what, err, lastLines(text, 10))
	early := gstErrors(t, what, before)
	require.Empty(t, early, "%s: GStreamer failed before its EOS", what)
	late := gstErrors(t, what, after)
	if err == nil {
		require.Empty(t, late, "%s: GStreamer failed after its EOS yet exited 0", what)
		return text
	}
	require.True(t, gstShutdownRace(late), "%s: gst-launch failed after its EOS (%v): %s", what, err, lastLines(after, 10))
	require.Contains(t, err.Error(), "exit status 1", what)
	t.Logf("%s: every buffer decoded; then rtspsrc's own shutdown race (its CLOSE flushed its PAUSE): %q", what, late)
	return text
}

// gstErrors returns out's error messages, and logs its warnings.
func gstErrors(t *testing.T, what, out string) []string {
	t.Helper()
	var errs []string
	for _, b := range gstErrorBlocks(out) {
		if strings.HasPrefix(b, "WARNING:") {
			t.Logf("%s: GStreamer warned: %s", what, b)
			continue
		}
		errs = append(errs, b)
	}
	return errs
}
