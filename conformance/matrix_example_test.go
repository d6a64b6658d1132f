//go:build linux

package conformance_test

import (
	"fmt"

	"github.com/rtspkit/rtspkit/conformance"
)

// The suite renders its results as a Markdown table, one row per stream and
// one column per player and transport.
func ExampleMatrix_Markdown() {
	var m conformance.Matrix
	m.Add(conformance.Result{Media: "h264-main board", Player: "ffmpeg", Transport: "tcp",
		Status: conformance.Pass, Video: "125/125"})
	m.Add(conformance.Result{Media: "h264-main board", Player: "vlc", Transport: "tcp",
		Status: conformance.Cannot, Detail: "Debian's VLC has no live555"})
	fmt.Print(m.Markdown([]string{"ffmpeg/tcp", "ffmpeg/udp", "vlc/tcp"}))
	// Output:
	// | stream | ffmpeg/tcp | vlc/tcp |
	// |---|---|---|
	// | h264-main board | pass 125/125 | cannot |
	//
	// - h264-main board, vlc/tcp: cannot; Debian's VLC has no live555
}
