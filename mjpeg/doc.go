// Package mjpeg carries Motion-JPEG over RTP as RFC 2435 specifies.
//
// RFC 2435 does not send whole JPEG files. A sender strips the headers and
// sends the entropy-coded scan data, split into fragments, each behind a
// small header with the picture's type (the chroma subsampling), size,
// quantization tables and restart interval; the receiver rebuilds standard
// headers in front of the data (RFC 2435 Appendix B). That limits what can
// be sent to baseline JPEG, three components with Y sampled 2x1 (type 0,
// 4:2:2) or 2x2 (type 1, 4:2:0) and Cb, Cr 1x1, sizes that are multiples of
// 8 up to 2040, and the typical Huffman tables of ITU-T T.81 Annex K, since
// no Huffman table travels.
//
// ParseJPEG checks a frame against those limits and finds its tables and
// scan without copying; the Packetizer turns a frame into an rtp.Batch whose
// packets reference the scan data (Q 255: the tables go in-band with every
// frame); the Depacketizer turns packets back into a complete JPEG that any
// decoder reads, and drops frames that lost a fragment rather than splice
// two. MakeTables derives the tables of Q values 1 to 99 (Appendix A).
//
// Conform rewrites, without loss, frames that common encoders produce but
// RFC 2435 cannot carry as they are: optimised Huffman tables (FFmpeg's
// default) and 4:2:2 written as Y 2x2 with chroma 1x2 (FFmpeg's layout). It
// re-codes the same DCT coefficients, so decoded pixels do not change.
// NextFrame and SplitFrames cut a concatenation of JPEG frames, such as a
// .mjpeg file, into frames.
package mjpeg
