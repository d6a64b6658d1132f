package rtsp

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// endless yields prefix, then the byte c forever, counting what was read.
type endless struct {
	prefix string
	c      byte
	n      int
}

func (e *endless) Read(p []byte) (int, error) {
	n := copy(p, e.prefix)
	e.prefix = e.prefix[n:]
	for i := n; i < len(p); i++ {
		p[i] = e.c
	}
	e.n += len(p)
	return len(p), nil
}

func TestLimitLineTooLong(t *testing.T) {
	src := &endless{prefix: "OPTIONS rtsp://h/", c: 'a'}
	_, err := ReadRequest(bufio.NewReader(src))
	require.ErrorIs(t, err, ErrLineTooLong)
	require.Equal(t, StatusRequestURITooLarge, StatusForError(err))
	require.Less(t, src.n, 3*DefaultMaxLineBytes, "read far past the limit")

	long := "OPTIONS rtsp://h/" + strings.Repeat("a", 100) + " RTSP/1.0\r\n\r\n"
	_, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(long)), Limits{MaxLineBytes: 64})
	require.ErrorIs(t, err, ErrLineTooLong)
	_, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(long)), Limits{MaxLineBytes: 200})
	require.NoError(t, err)

	// A line that fits exactly.
	exact := "OPTIONS * RTSP/1.0\r\n"
	_, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(exact+"\r\n")), Limits{MaxLineBytes: len(exact)})
	require.NoError(t, err)
	_, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(exact+"\r\n")), Limits{MaxLineBytes: len(exact) - 1})
	require.ErrorIs(t, err, ErrLineTooLong)

	// Status lines too.
	_, err = ReadResponse(bufio.NewReader(&endless{prefix: "RTSP/1.0 200 ", c: 'K'}))
	require.ErrorIs(t, err, ErrLineTooLong)

	// Endless empty lines before a message.
	_, err = ReadRequest(bufio.NewReader(&endless{c: '\n'}))
	require.ErrorIs(t, err, ErrMalformed)
}

func TestLimitTooManyHeaders(t *testing.T) {
	msg := func(n int) string {
		var b strings.Builder
		b.WriteString("OPTIONS * RTSP/1.0\r\n")
		for i := range n {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		b.WriteString("\r\n")
		return b.String()
	}
	req, err := ReadRequest(bufio.NewReader(strings.NewReader(msg(DefaultMaxHeaderCount))))
	require.NoError(t, err)
	require.Len(t, req.Header, DefaultMaxHeaderCount)
	_, err = ReadRequest(bufio.NewReader(strings.NewReader(msg(DefaultMaxHeaderCount + 1))))
	require.ErrorIs(t, err, ErrTooManyHeaders)
	require.Equal(t, StatusBadRequest, StatusForError(err))
	_, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(msg(5))), Limits{MaxHeaderCount: 4})
	require.ErrorIs(t, err, ErrTooManyHeaders)

	// Continuation lines do not count as fields but do count as bytes.
	folded := "OPTIONS * RTSP/1.0\r\nX: a\r\n b\r\n c\r\n\r\n"
	req, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(folded)), Limits{MaxHeaderCount: 1})
	require.NoError(t, err)
	require.Equal(t, "a b c", req.Header.Get("X"))
}

func TestLimitHeaderTooLarge(t *testing.T) {
	big := "OPTIONS * RTSP/1.0\r\nX-Big: " + strings.Repeat("v", DefaultMaxHeaderBytes) + "\r\n\r\n"
	_, err := ReadRequest(bufio.NewReader(strings.NewReader(big)))
	require.ErrorIs(t, err, ErrHeaderTooLarge)
	require.Equal(t, StatusBadRequest, StatusForError(err))

	// Many small fields adding up.
	var b strings.Builder
	b.WriteString("OPTIONS * RTSP/1.0\r\n")
	for i := range 40 {
		fmt.Fprintf(&b, "X-%d: %s\r\n", i, strings.Repeat("v", 500))
	}
	b.WriteString("\r\n")
	_, err = ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	require.ErrorIs(t, err, ErrHeaderTooLarge)
	_, err = ReadRequestLimits(bufio.NewReader(strings.NewReader(b.String())), Limits{MaxHeaderBytes: 64 << 10})
	require.NoError(t, err)

	// An endless header line stops at the limit.
	src := &endless{prefix: "OPTIONS * RTSP/1.0\r\nX: ", c: 'v'}
	_, err = ReadRequest(bufio.NewReader(src))
	require.ErrorIs(t, err, ErrHeaderTooLarge)
	require.Less(t, src.n, DefaultMaxHeaderBytes+3*4096)
}

func TestLimitBodyTooLarge(t *testing.T) {
	for _, cl := range []string{
		fmt.Sprint(DefaultMaxBodyBytes + 1),
		"99999999999999999999999999999999999999",
	} {
		in := "ANNOUNCE rtsp://h/x RTSP/1.0\r\nContent-Length: " + cl + "\r\n\r\n"
		_, err := ReadRequest(bufio.NewReader(strings.NewReader(in)))
		require.ErrorIs(t, err, ErrBodyTooLarge, cl)
		require.Equal(t, StatusRequestEntityTooLarge, StatusForError(err))
		_, err = ReadResponse(bufio.NewReader(strings.NewReader("RTSP/1.0 200 OK\r\nContent-Length: " + cl + "\r\n\r\n")))
		require.ErrorIs(t, err, ErrBodyTooLarge, cl)
	}
	in := "ANNOUNCE rtsp://h/x RTSP/1.0\r\nContent-Length: 11\r\n\r\nhello world"
	_, err := ReadRequestLimits(bufio.NewReader(strings.NewReader(in)), Limits{MaxBodyBytes: 10})
	require.ErrorIs(t, err, ErrBodyTooLarge)
	req, err := ReadRequestLimits(bufio.NewReader(strings.NewReader(in)), Limits{MaxBodyBytes: 11})
	require.NoError(t, err)
	require.Equal(t, "hello world", string(req.Body))
}

// A Content-Length within the limit but with little data behind it must
// not allocate the announced size up front.
func TestLimitBodyAllocationFollowsData(t *testing.T) {
	const announced = 512 << 20
	in := fmt.Sprintf("ANNOUNCE rtsp://h/x RTSP/1.0\r\nContent-Length: %d\r\n\r\nonly a few bytes", announced)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := ReadRequestLimits(bufio.NewReader(strings.NewReader(in)), Limits{MaxBodyBytes: announced})
	runtime.ReadMemStats(&after)
	require.Equal(t, io.ErrUnexpectedEOF, err)
	require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20))

	// A large body that does arrive is read whole.
	body := strings.Repeat("b", 300_000)
	in = fmt.Sprintf("ANNOUNCE rtsp://h/x RTSP/1.0\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	req, err := ReadRequest(bufio.NewReader(strings.NewReader(in)))
	require.NoError(t, err)
	require.Equal(t, body, string(req.Body))
}

func TestLimitsDefaults(t *testing.T) {
	l := Limits{MaxLineBytes: -1}.resolved()
	require.Equal(t, Limits{DefaultMaxLineBytes, DefaultMaxHeaderCount, DefaultMaxHeaderBytes, DefaultMaxBodyBytes}, l)
}

func TestStatusForError(t *testing.T) {
	require.Zero(t, StatusForError(nil))
	require.Zero(t, StatusForError(io.EOF))
	require.Zero(t, StatusForError(io.ErrClosedPipe))
	require.Equal(t, StatusBadRequest, StatusForError(fmt.Errorf("x: %w", ErrMalformed)))
}
