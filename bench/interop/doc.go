// Package interop holds tests in which rtspkit talks to a peer library
// running in-process, which the main module may never import: our client's
// publisher pushing into gortsplib's server (v4.16.2), read back from there
// by ffprobe and ffmpeg. make test runs them (scripts/test.sh, phase
// interop).
package interop
