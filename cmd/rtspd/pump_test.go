package main

import (
	"bytes"
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/rtspkit/rtspkit/h26x"
	"github.com/stretchr/testify/require"
)

// recorder is a sender that keeps every call.
type recorder struct {
	video, audio []sent
}

type sent struct {
	data []byte
	ts   uint64
}

func (r *recorder) WriteVideo(data []byte, ts uint64) error {
	r.video = append(r.video, sent{bytes.Clone(data), ts})
	return nil
}

func (r *recorder) WriteAudio(data []byte, ts uint64) error {
	r.audio = append(r.audio, sent{bytes.Clone(data), ts})
	return nil
}

// steps is a pacer that does not wait: it records, for every unit paced,
// how many calls the recorder had then, and ends the run after limit
// units. The tests thus depend on what is sent, never on how fast.
type steps struct {
	rec    *recorder
	cancel context.CancelFunc
	limit  int64
	units  []int64 // the unit indices paced, in order
	callAt []int   // len(rec.video) + len(rec.audio) when each was paced
}

func (s *steps) pace(ctx context.Context, n int64) error {
	if n >= s.limit {
		s.cancel()
		return ctx.Err()
	}
	s.units = append(s.units, n)
	s.callAt = append(s.callAt, len(s.rec.video)+len(s.rec.audio))
	return nil
}

// run pumps v until limit pictures have been paced and returns what was
// sent, the pacer's record and the notes.
func run(t *testing.T, v *videoSource, limit int64) (*recorder, *steps, []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rec := &recorder{}
	s := &steps{rec: rec, cancel: cancel, limit: limit}
	var notes []string
	err := v.pump(ctx, rec, 25, s.pace, func(n string) { notes = append(notes, n) })
	require.NoError(t, err)
	return rec, s, notes
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
	require.NoError(t, err)
	return b
}

// garbage returns n bytes that are the same in every run.
func garbage(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	// Start codes in it, so that it makes NAL units of every kind.
	for i := 100; i+4 < n; i += 997 {
		copy(b[i:], []byte{0, 0, 1})
	}
	return b
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o644))
	return p
}

// TestPumpMakesProgress feeds files that go bad part-way: each must be
// paced picture after picture, loop after loop, with never more calls
// between two pictures than the file has units, and stop cleanly when
// asked.
func TestPumpMakesProgress(t *testing.T) {
	h264 := testdata(t, "h264_main_720p.h264")
	h265 := testdata(t, "h265_main_720p_bframes.h265")
	jpeg := testdata(t, "mjpeg_420_320x240.mjpeg")
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name string
		file string
		data []byte
	}{
		{"h264 whole", "a.h264", h264},
		{"h264 then garbage", "a.h264", cat(h264, garbage(50000))},
		{"h264 truncated", "a.h264", h264[:len(h264)*3/5]},
		{"h264 garbage in the middle", "a.h264", cat(h264[:len(h264)/2], garbage(20000), h264[len(h264)/2:])},
		{"h264 then zeros", "a.h264", cat(h264, make([]byte, 30000))},
		{"h265 then garbage", "a.h265", cat(h265, garbage(50000))},
		{"h265 truncated in a NAL unit", "a.h265", h265[:len(h265)/3+7]},
		{"mjpeg then garbage", "a.mjpeg", cat(jpeg, garbage(5000))},
		{"mjpeg truncated", "a.mjpeg", jpeg[:len(jpeg)/2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := openVideo(writeTemp(t, tc.file, tc.data), "", nil)
			require.NoError(t, err)
			units := len(v.nals) + len(v.jpegs)
			const limit = 300 // several loops of every file
			rec, s, _ := run(t, v, limit)
			require.Len(t, s.units, limit)
			for i, n := range s.units {
				require.Equal(t, int64(i), n, "every picture is paced, in order")
			}
			for i := 1; i < len(s.callAt); i++ {
				require.LessOrEqual(t, s.callAt[i]-s.callAt[i-1], units, "calls between pictures %d and %d", i-1, i)
			}
			require.NotEmpty(t, rec.video)
		})
	}
}

// pictureTimes returns the timestamp of each picture in decoding order: the
// timestamp of the first call after each pace.
func pictureTimes(rec *recorder, s *steps) []uint64 {
	var ts []uint64
	for _, at := range s.callAt {
		if at < len(rec.video) {
			ts = append(ts, rec.video[at].ts)
		}
	}
	return ts
}

// TestPumpTimestamps checks that pictures are stamped with their
// presentation time: with B-frames, from the picture order count (the
// decoding order of the files is in the h26x tests, checked against
// ffprobe), and across the loop seam.
func TestPumpTimestamps(t *testing.T) {
	for _, tc := range []struct {
		file     string
		pictures int
		first    []uint64 // ms, in decoding order
		bframes  bool
	}{
		// POC 0 5 3 1 2 4 10 8: one per picture.
		{"h265_main_720p_bframes.h265", 50, []uint64{0, 200, 120, 40, 80, 160, 400, 320}, true},
		// POC 0 4 2 6 12 8 10 14: two per picture.
		{"h264_high_slices_720p_bframes.h264", 50, []uint64{0, 80, 40, 120, 240, 160, 200, 280}, true},
		{"h264_main_720p.h264", 50, []uint64{0, 40, 80, 120, 160, 200, 240, 280}, false},
		{"conf_h265_main_720p.h265", 50, []uint64{0, 40, 80, 120, 160, 200, 240, 280}, false},
	} {
		t.Run(tc.file, func(t *testing.T) {
			v, err := openVideo(filepath.Join("..", "..", "testdata", tc.file), "", nil)
			require.NoError(t, err)
			rec, s, notes := run(t, v, int64(2*tc.pictures))
			ts := pictureTimes(rec, s)
			require.Len(t, ts, 2*tc.pictures)
			require.Equal(t, tc.first, ts[:len(tc.first)])
			// Each loop shows every picture once, 40 ms apart, after
			// the loop before.
			for loop := range 2 {
				got := append([]uint64(nil), ts[loop*tc.pictures:(loop+1)*tc.pictures]...)
				sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
				for i, g := range got {
					require.Equal(t, uint64((loop*tc.pictures+i)*40), g, "loop %d", loop)
				}
			}
			if tc.bframes {
				require.Equal(t, []string{"../../testdata/" + tc.file +
					" has B-frames: their timestamps follow the picture order count"}, notes)
			} else {
				require.Empty(t, notes)
			}
		})
	}
}

// TestPumpStandardInput reads the stream once, sends every picture, and
// says that the input ended; B-frames are timed as from a file, looking
// ahead only as far as the stream's reorder depth.
func TestPumpStandardInput(t *testing.T) {
	for _, tc := range []struct {
		name    string
		data    []byte
		err     error
		errText string
		first   []uint64
	}{
		{"B-frames", testdata(t, "h264_high_slices_720p_bframes.h264"), errInputEnded, "",
			[]uint64{0, 80, 40, 120, 240, 160, 200, 280}},
		{"empty", nil, nil, "standard input ended before any H.264 picture", nil},
		{"garbage", garbage(10000), nil, "standard input ended before any H.264 picture", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := openVideo("-", "", bytes.NewReader(tc.data))
			require.NoError(t, err)
			rec := &recorder{}
			s := &steps{rec: rec, cancel: func() {}, limit: 1 << 30}
			err = v.pump(context.Background(), rec, 25, s.pace, func(string) {})
			if tc.errText != "" {
				require.EqualError(t, err, tc.errText)
				return
			}
			require.ErrorIs(t, err, tc.err)
			ts := pictureTimes(rec, s)
			require.Len(t, ts, 50)
			require.Equal(t, tc.first, ts[:len(tc.first)])
		})
	}
}

// h264Bits writes the few H.264 syntax elements the refusal test needs.
type h264Bits struct {
	b []byte
	n int // bits written
}

func (w *h264Bits) u(bits int, v uint32) {
	for i := bits - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		w.b[len(w.b)-1] |= byte(v>>i&1) << (7 - w.n%8)
		w.n++
	}
}

func (w *h264Bits) ue(v uint32) {
	v++
	size := 0
	for x := v; x > 1; x >>= 1 {
		size++
	}
	w.u(size, 0)
	w.u(size+1, v)
}

// nal ends the RBSP and returns it behind a start code and header.
func (w *h264Bits) nal(header byte) []byte {
	w.u(1, 1)
	for w.n%8 != 0 {
		w.u(1, 0)
	}
	return append([]byte{0, 0, 0, 1, header}, w.b...)
}

// pocType1Stream is an H.264 stream with pic_order_cnt_type 1: an IDR
// picture, then a picture of the given slice_type.
func pocType1Stream(sliceType uint32) []byte {
	var sps, pps, idr, next h264Bits
	sps.u(8, 77) // Main
	sps.u(8, 0)
	sps.u(8, 30)
	sps.ue(0)   // seq_parameter_set_id
	sps.ue(0)   // log2_max_frame_num_minus4
	sps.ue(1)   // pic_order_cnt_type
	sps.u(1, 1) // delta_pic_order_always_zero_flag
	sps.ue(0)   // offset_for_non_ref_pic (se 0)
	sps.ue(0)   // offset_for_top_to_bottom_field
	sps.ue(0)   // num_ref_frames_in_pic_order_cnt_cycle
	sps.ue(1)   // max_num_ref_frames
	sps.u(1, 0) // gaps_in_frame_num_value_allowed_flag
	sps.ue(0)   // pic_width_in_mbs_minus1
	sps.ue(0)   // pic_height_in_map_units_minus1
	sps.u(1, 1) // frame_mbs_only_flag
	sps.u(1, 1) // direct_8x8_inference_flag
	sps.u(2, 0) // no cropping, no VUI
	pps.ue(0)   // pic_parameter_set_id
	pps.ue(0)   // seq_parameter_set_id
	pps.u(2, 0) // CAVLC, no bottom field POC
	pps.ue(0)   // num_slice_groups_minus1
	pps.ue(0)   // num_ref_idx_l0_default_active_minus1
	pps.ue(0)   // num_ref_idx_l1_default_active_minus1
	pps.u(3, 0) // weighted prediction
	pps.ue(0)   // pic_init_qp_minus26
	pps.ue(0)   // pic_init_qs_minus26
	pps.ue(0)   // chroma_qp_index_offset
	pps.u(3, 0) // deblocking, constrained intra, redundant_pic_cnt
	idr.ue(0)   // first_mb_in_slice
	idr.ue(7)   // I
	idr.ue(0)   // pic_parameter_set_id
	idr.u(4, 0) // frame_num
	idr.ue(0)   // idr_pic_id
	next.ue(0)
	next.ue(sliceType)
	next.ue(0)
	next.u(4, 1)
	return bytes.Join([][]byte{sps.nal(0x67), pps.nal(0x68), idr.nal(0x65), next.nal(0x01)}, nil)
}

// TestPOCType1 sends a stream whose picture order count rtspd cannot
// compute in decoding order when it has no B-frames, and refuses it, with
// what to do, when it has.
func TestPOCType1(t *testing.T) {
	v, err := openVideo(writeTemp(t, "p.h264", pocType1Stream(5)), "", nil) // P
	require.NoError(t, err)
	rec, s, notes := run(t, v, 4)
	require.Equal(t, []uint64{0, 40, 80, 120}, pictureTimes(rec, s))
	require.Empty(t, notes)

	_, err = openVideo(writeTemp(t, "b.h264", pocType1Stream(6)), "", nil) // B
	require.ErrorContains(t, err, "b.h264: the stream has B-frames with pic_order_cnt_type 1, whose presentation order rtspd cannot compute: "+
		"re-encode without B-frames (ffmpeg: -bf 0 for libx264, -x265-params bframes=0 for libx265)")
}

// TestAudioPumpLoops sends the units of an audio file over and over, each
// with its time.
func TestAudioPumpLoops(t *testing.T) {
	aacData := testdata(t, "aac_lc_mono_48k.aac")
	for _, tc := range []struct {
		name  string
		file  string
		data  []byte
		units int
		ts    []uint64
	}{
		{"aac", "a.aac", aacData, 95, []uint64{0, 21, 42, 64}},
		{"aac then garbage", "a.aac", append(bytes.Clone(aacData), garbage(3000)...), 95, []uint64{0, 21, 42, 64}},
		{"ulaw with a partial chunk", "a.ulaw", make([]byte, 3*g711Chunk+10), 3, []uint64{0, 20, 40, 60}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := openAudio(writeTemp(t, tc.file, tc.data), false)
			require.NoError(t, err)
			require.Len(t, a.units, tc.units)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			rec := &recorder{}
			s := &steps{rec: rec, cancel: cancel, limit: int64(2*tc.units + 1)}
			require.NoError(t, a.pump(ctx, rec, s.pace))
			require.Len(t, rec.audio, 2*tc.units+1)
			require.Equal(t, a.units[0], []byte(rec.audio[tc.units].data), "the file loops")
			for i, want := range tc.ts {
				require.Equal(t, want, rec.audio[i].ts)
			}
		})
	}
}

// TestPumpParameterSetsBetweenSlices repeats the PPS between the slices of
// every picture of a 4-slice stream, which H.264 allows: the detector takes
// each for the start of a picture, and the slice after it shows it was
// not. The pictures and their times must be those of the stream without.
func TestPumpParameterSetsBetweenSlices(t *testing.T) {
	data := testdata(t, "h264_high_slices_720p_bframes.h264")
	var pps []byte
	var out [][]byte
	for _, nal := range h26x.SplitNALs(nil, data) {
		if h26x.H264Type(nal) == h26x.H264NALPPS {
			pps = nal
		}
		if mb, err := h26x.H264SliceFirstMB(nal); err == nil && mb != 0 {
			out = append(out, pps)
		}
		out = append(out, nal)
	}
	v, err := openVideo(writeTemp(t, "pps.h264", h26x.AppendAnnexB(nil, out...)), "", nil)
	require.NoError(t, err)
	rec, s, _ := run(t, v, 50)
	require.Equal(t, []uint64{0, 80, 40, 120, 240, 160, 200, 280}, pictureTimes(rec, s)[:8])
	require.Len(t, rec.video, len(out), "every NAL unit is sent once")
}
