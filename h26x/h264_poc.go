package h26x

import (
	"errors"
	"fmt"
)

// ErrUnsupported means a stream uses a feature this package does not
// handle, such as H.264 pic_order_cnt_type 1 in H264POC.
var ErrUnsupported = errors.New("h26x: unsupported")

// H264POC computes the picture order count (PicOrderCnt, ITU-T H.264
// §8.2.1) of the pictures of an H.264 stream, which gives their output
// order: with B-frames the decoding order differs from it, and a
// presentation timestamp must follow the count, not the decoding order.
// Feed Next the first slice header of every primary picture in decoding
// order. The count restarts at 0 at each IDR picture.
//
// pic_order_cnt_type 0 (x264 with B-frames, most encoders) and 2 (output
// order is decoding order: x264 without B-frames) are handled; type 1 is
// reported as ErrUnsupported. memory_management_control_operation 5, which
// also restarts the count, sits too deep in the slice header to be read
// here: the counts of the pictures after one, up to the next IDR, come out
// offset (no encoder in common use writes it).
//
// The zero value is ready to use.
type H264POC struct {
	prevMsb, prevLsb   int64 // type 0: of the previous reference picture
	prevFrameNumOffset int64 // type 2: of the previous picture
	prevFrameNum       uint32
}

// Reset forgets the previous pictures, as at the start of a stream.
func (c *H264POC) Reset() { *c = H264POC{} }

// Next returns the picture order count of the picture whose first slice
// has header h, which must be Full (parsed with sps and its PPS). Errors
// wrap ErrUnsupported for pic_order_cnt_type 1, ErrParamOutOfRange for a
// header that is not Full; the state is then unchanged.
func (c *H264POC) Next(h *H264SliceHeader, sps *H264SPS) (int64, error) {
	if !h.Full {
		return 0, fmt.Errorf("%w: H.264 slice header parsed without its SPS and PPS", ErrParamOutOfRange)
	}
	switch sps.PicOrderCntType {
	case 0:
		return c.type0(h, sps), nil
	case 2:
		return c.type2(h, sps), nil
	}
	return 0, fmt.Errorf("%w: H.264 pic_order_cnt_type %d", ErrUnsupported, sps.PicOrderCntType)
}

// type0 is §8.2.1.1: the most significant part of the count is inferred
// from the lsb's wrap around against the previous reference picture.
func (c *H264POC) type0(h *H264SliceHeader, sps *H264SPS) int64 {
	if h.IDR {
		c.prevMsb, c.prevLsb = 0, 0
	}
	maxLsb := int64(1) << sps.Log2MaxPicOrderCntLsb
	lsb := int64(h.PicOrderCntLsb)
	msb := c.prevMsb
	switch {
	case lsb < c.prevLsb && c.prevLsb-lsb >= maxLsb/2:
		msb += maxLsb
	case lsb > c.prevLsb && lsb-c.prevLsb > maxLsb/2:
		msb -= maxLsb
	}
	if h.NALRefIDC != 0 {
		c.prevMsb, c.prevLsb = msb, lsb
	}
	c.prevFrameNum = h.FrameNum
	top := msb + lsb
	switch {
	case h.FieldPic: // a field: its own count (top or bottom alike)
		return top
	case h.DeltaPicOrderCntBottom < 0: // a frame: the smaller of its two fields'
		return top + int64(h.DeltaPicOrderCntBottom)
	}
	return top
}

// type2 is §8.2.1.3: the count follows frame_num, so the output order is
// the decoding order.
func (c *H264POC) type2(h *H264SliceHeader, sps *H264SPS) int64 {
	offset := c.prevFrameNumOffset
	switch {
	case h.IDR:
		offset = 0
	case c.prevFrameNum > h.FrameNum:
		offset += int64(1) << sps.Log2MaxFrameNum
	}
	c.prevFrameNumOffset, c.prevFrameNum = offset, h.FrameNum
	if h.IDR {
		return 0
	}
	poc := 2 * (offset + int64(h.FrameNum))
	if h.NALRefIDC == 0 {
		poc--
	}
	return poc
}

// ReorderDepth returns the most frames that may precede any frame in
// decoding order and follow it in output order: how many a player must
// hold back, and how many a sender must look ahead to know a frame's
// presentation time. It is max_num_reorder_frames when the VUI has it;
// otherwise the value §E.2.1 infers, 0 for the intra-only profiles and
// else MaxDpbFrames from the level's limit (Table A-1), 16 for an unknown
// level. With pic_order_cnt_type 2 the output order is the decoding order
// (§8.2.1.3), so it is 0 whatever the VUI says. The result is at most 16.
func (s H264SPS) ReorderDepth() int {
	const maxDpbFrames = 16
	switch {
	case s.PicOrderCntType == 2:
		return 0
	case s.BitstreamRestriction:
		return int(min(s.MaxNumReorderFrames, maxDpbFrames))
	case s.ConstraintFlags&0x10 != 0 && h264IntraProfile(s.ProfileIDC): // constraint_set3_flag
		return 0
	}
	mbs := h264MaxDpbMbs(s.LevelIDC, s.ProfileIDC, s.ConstraintFlags)
	frameMbs := s.PicWidthInMbs * s.PicHeightInMapUnits
	if !s.FrameMbsOnly {
		frameMbs *= 2
	}
	if mbs == 0 || frameMbs == 0 {
		return maxDpbFrames
	}
	return int(min(mbs/frameMbs, maxDpbFrames))
}

// h264IntraProfile reports the profiles that are intra-only when
// constraint_set3_flag is set (§E.2.1, max_num_reorder_frames).
func h264IntraProfile(profile uint8) bool {
	switch profile {
	case 44, 86, 100, 110, 122, 244:
		return true
	}
	return false
}

// h264MaxDpbMbs returns MaxDpbMbs of Table A-1, 0 for an unknown level.
// Level 1b is level_idc 9, or 11 with constraint_set3_flag in the Baseline,
// Main and Extended profiles.
func h264MaxDpbMbs(level, profile, constraints uint8) uint32 {
	if level == 11 && constraints&0x10 != 0 && (profile == 66 || profile == 77 || profile == 88) {
		level = 9
	}
	switch level {
	case 9, 10:
		return 396
	case 11:
		return 900
	case 12, 13, 20:
		return 2376
	case 21:
		return 4752
	case 22, 30:
		return 8100
	case 31:
		return 18000
	case 32:
		return 20480
	case 40, 41:
		return 32768
	case 42:
		return 34816
	case 50:
		return 110400
	case 51, 52:
		return 184320
	case 60, 61, 62:
		return 696320
	}
	return 0
}
