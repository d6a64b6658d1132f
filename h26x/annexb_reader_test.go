package h26x

import (
	"bytes"
	"io"
	"os"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

func TestAnnexBReaderMatchesSplit(t *testing.T) {
	data, err := os.ReadFile("../testdata/h264_high_slices_720p_bframes.h264")
	require.NoError(t, err)
	want := SplitNALs(nil, data)
	for _, r := range []io.Reader{
		bytes.NewReader(data),
		iotest.OneByteReader(bytes.NewReader(data)),
		iotest.HalfReader(bytes.NewReader(data)),
	} {
		ar := NewAnnexBReader(r)
		var got [][]byte
		for {
			nal, err := ar.Next()
			if err == io.EOF {
				break
			}
			require.NoError(t, err)
			got = append(got, append([]byte(nil), nal...))
		}
		require.Equal(t, want, got)
	}
}

func TestAnnexBReaderLimitAndErrors(t *testing.T) {
	big := append([]byte{0, 0, 1, 0x65}, make([]byte, 1000)...)
	for i := range big[4:] {
		big[4+i] = 0xAA
	}
	ar := NewAnnexBReader(bytes.NewReader(append(big, 0, 0, 1, 0x41)))
	ar.MaxNALSize = 100
	_, err := ar.Next()
	require.ErrorIs(t, err, ErrAnnexBNALTooLarge)

	ar = NewAnnexBReader(iotest.ErrReader(io.ErrClosedPipe))
	_, err = ar.Next()
	require.ErrorIs(t, err, io.ErrClosedPipe)

	ar = NewAnnexBReader(bytes.NewReader([]byte("no start code here")))
	_, err = ar.Next()
	require.ErrorIs(t, err, io.EOF)
}
