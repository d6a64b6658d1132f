package h26x_test

import (
	"fmt"

	"github.com/rtspkit/rtspkit/h26x"
)

// Reading the picture size and SDP values from the parameter sets a camera
// announced in its SDP (the RFC 3984/6184 example value).
func ExampleParseH264SPS() {
	nals, err := h26x.ParseH264SpropParameterSets("Z0IACpZTBYmI,aMljiA==")
	if err != nil {
		panic(err)
	}
	sps, err := h26x.ParseH264SPS(nals[0])
	if err != nil {
		panic(err)
	}
	fmt.Printf("profile %d level %d, %dx%d\n", sps.ProfileIDC, sps.LevelIDC, sps.Width, sps.Height)
	fmt.Println("profile-level-id=" + h26x.H264ProfileLevelID(nals[0]))
	fmt.Println("sprop-parameter-sets=" + h26x.H264SpropParameterSets(nals...))
	// Output:
	// profile 66 level 10, 176x144
	// profile-level-id=42000a
	// sprop-parameter-sets=Z0IACpZTBYmI,aMljiA==
}

// Grouping an Annex-B byte stream into access units (one per picture) and
// finding the keyframes.
func ExampleAccessUnitSplitter() {
	stream := h26x.AppendAnnexB(nil,
		[]byte{0x67, 0x42, 0x00, 0x0a, 0x96, 0x53, 0x05, 0x89, 0x88}, // SPS
		[]byte{0x68, 0xc9, 0x63, 0x88},                               // PPS
		[]byte{0x65, 0x88, 0x80},                                     // IDR slice, first_mb_in_slice 0
		[]byte{0x65, 0x16, 0x22, 0x80},                               // IDR slice, first_mb_in_slice 10
		[]byte{0x41, 0x9a, 0x02},                                     // P slice, first_mb_in_slice 0
	)
	s := h26x.AccessUnitSplitter{Detector: &h26x.H264AUDetector{}}
	var au [][]byte // reused for every access unit
	show := func() {
		fmt.Printf("%d NAL units, keyframe %v\n", len(au), h26x.H264IsKeyframe(au))
	}
	for rest := stream; ; {
		var nal []byte
		nal, rest = h26x.NextNAL(rest)
		if nal == nil {
			break
		}
		var ok bool
		if au, ok = s.Push(au[:0], nal); ok {
			show()
		}
	}
	var ok bool
	if au, ok = s.Flush(au[:0]); ok {
		show()
	}
	// Output:
	// 4 NAL units, keyframe true
	// 1 NAL units, keyframe false
}

// Reading an H.265 SPS, here one x265 wrote for a 1918x1078 picture coded
// as 1920x1080 with a conformance window, and its RFC 7798 SDP values.
func ExampleParseH265SPS() {
	sps := []byte{0x42, 0x01, 0x01, 0x01, 0x60, 0x00, 0x00, 0x03, 0x00, 0x90, 0x00, 0x00, 0x03, 0x00,
		0x00, 0x03, 0x00, 0x78, 0xa0, 0x03, 0xc0, 0x80, 0x10, 0xe7, 0x55, 0x96, 0x56, 0x69, 0x24, 0xca,
		0xf0, 0x16, 0x80, 0x80, 0x00, 0x01, 0xf4, 0x80, 0x00, 0x3a, 0x98, 0x04}
	s, err := h26x.ParseH265SPS(sps)
	if err != nil {
		panic(err)
	}
	fmt.Printf("coded %dx%d, shown %dx%d, %.2f fps\n", s.PicWidth, s.PicHeight, s.Width, s.Height, s.FrameRate())
	fmt.Println(s.PTL.FmtpParams() + ";sprop-sps=" + h26x.H265SpropValue(sps))
	// Output:
	// coded 1920x1080, shown 1918x1078, 29.97 fps
	// profile-id=1;tier-flag=0;level-id=120;sprop-sps=QgEBAWAAAAMAkAAAAwAAAwB4oAPAgBDnVZZWaSTK8BaAgAAB9IAAOpgE
}
