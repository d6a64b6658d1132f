package media

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadBenchmarkInputs(t *testing.T) {
	for _, tc := range []struct {
		file string
		hevc bool
	}{{"h264_high_720p_4mbps_bframes.h264", false}, {"h265_main_720p_4mbps_bframes.h265", true}} {
		t.Run(tc.file, func(t *testing.T) {
			require.Equal(t, tc.hevc, IsHEVC(tc.file))
			st, err := Load("../../../testdata/"+tc.file, tc.hevc)
			require.NoError(t, err)
			require.Len(t, st.AUs, 25, "1 s at 25 fps")
			require.True(t, st.AUs[0].Key)
			keys := 0
			var nal, annexB int64
			for _, au := range st.AUs {
				if au.Key {
					keys++
				}
				for _, n := range au.NALs {
					nal += int64(len(n))
				}
				annexB += int64(len(au.AnnexB))
				require.Equal(t, []byte{0, 0, 0, 1}, au.AnnexB[:4])
			}
			require.Equal(t, 1, keys, "GOP 25")
			require.Equal(t, st.NALBytes, nal)
			require.Greater(t, annexB, nal)
			require.NotNil(t, st.SPS)
			require.NotNil(t, st.PPS)
			require.Equal(t, tc.hevc, st.VPS != nil)
		})
	}
}

func TestSplitRejects(t *testing.T) {
	_, err := Split(nil, false)
	require.Error(t, err)
	_, err = Split([]byte{0, 0, 1, 0x41, 0x9a, 0x00}, false) // a P slice alone
	require.Error(t, err)
}
