package h26x

import "fmt"

// H265VPS holds the fields of an H.265 video parameter set (§7.3.2.1) up to
// its timing information, where encoders that leave the SPS VUI out may
// put the frame rate.
type H265VPS struct {
	ID                 uint8 // vps_video_parameter_set_id
	MaxLayersMinus1    uint8 // vps_max_layers_minus1
	MaxSubLayersMinus1 uint8 // vps_max_sub_layers_minus1, 0..6
	TemporalIDNesting  bool
	PTL                H265ProfileTierLevel

	TimingInfoPresent bool // vps_timing_info_present_flag
	NumUnitsInTick    uint32
	TimeScale         uint32
}

// FrameRate returns vps_time_scale / vps_num_units_in_tick, or 0 when the
// VPS has no timing.
func (v H265VPS) FrameRate() float64 {
	if !v.TimingInfoPresent || v.NumUnitsInTick == 0 {
		return 0
	}
	return float64(v.TimeScale) / float64(v.NumUnitsInTick)
}

// ParseH265VPS parses an H.265 VPS NAL unit (with its 2-byte header) as far
// as vps_time_scale. Errors wrap ErrWrongNALType, ErrBitstreamEnd,
// ErrExpGolombOverflow or ErrParamOutOfRange.
func ParseH265VPS(nal []byte) (H265VPS, error) {
	var v H265VPS
	if H265Type(nal) != H265NALVPS {
		return v, fmt.Errorf("%w: %d, want VPS (32)", ErrWrongNALType, H265Type(nal))
	}
	var scratch [rbspScratch]byte
	r := BitReader{buf: RemoveEmulationPrevention(scratch[:0], nal[h265NALHeaderSize:])}
	v.ID = uint8(r.u(4))
	r.flag() // vps_base_layer_internal_flag
	r.flag() // vps_base_layer_available_flag
	v.MaxLayersMinus1 = uint8(r.u(6))
	v.MaxSubLayersMinus1 = uint8(r.u(3))
	if v.MaxSubLayersMinus1 > 6 && !r.failed() {
		r.failRange(seVpsMaxSubLayersMinus1, 7, 6)
	}
	v.TemporalIDNesting = r.flag()
	r.u(16) // vps_reserved_0xffff_16bits
	v.PTL = parseH265PTL(&r, int(v.MaxSubLayersMinus1))
	first := int(v.MaxSubLayersMinus1)
	if r.flag() { // vps_sub_layer_ordering_info_present_flag
		first = 0
	}
	for i := first; i <= int(v.MaxSubLayersMinus1); i++ {
		r.ue() // vps_max_dec_pic_buffering_minus1[i]
		r.ue() // vps_max_num_reorder_pics[i]
		r.ue() // vps_max_latency_increase_plus1[i]
	}
	maxLayerID := r.u(6)
	sets := r.ueMax(seVpsNumLayerSetsMinus1, 1023)
	// layer_id_included_flag[i][j] for i in 1..sets, j in 0..maxLayerID:
	// check the count against the data before skipping.
	if bits := uint64(sets) * (uint64(maxLayerID) + 1); !r.failed() && bits > uint64(r.BitsLeft()) {
		r.fail(readFault{kind: faultEnd})
	} else {
		r.Skip(int(bits))
	}
	v.TimingInfoPresent = r.flag()
	if v.TimingInfoPresent {
		v.NumUnitsInTick = r.u(32)
		v.TimeScale = r.u(32)
	}
	if r.failed() {
		return H265VPS{}, fmt.Errorf("h26x: H.265 VPS: %w", r.Err())
	}
	return v, nil
}
