package h26x

// An access unit is the set of NAL units of one coded picture: its slices
// and the parameter sets, SEI and delimiters in front of them. Both
// standards define where one begins in terms of the NAL unit *after* the
// last slice of a picture (H.264 §7.4.1.2.3, H.265 §7.4.2.4.4): the first
// parameter set, SEI, delimiter (and a few reserved types) after that slice
// starts the next access unit. Parameter sets may also sit between two
// slices of one picture, so a parameter set after a slice is only a
// candidate boundary until the next slice shows whether a new picture
// begins. AccessUnitSplitter resolves that by holding the candidate;
// StartsNewAU, which answers at once, takes every candidate as a boundary.

// auBoundary is a detector's verdict on one NAL unit.
type auBoundary uint8

const (
	// auContinue: the NAL unit belongs to the current access unit.
	auContinue auBoundary = iota
	// auIgnore: the input is no NAL unit (empty, or shorter than the
	// H.265 header); it is dropped.
	auIgnore
	// auStart: the NAL unit begins a new access unit for certain (the
	// first NAL unit, or the one after end of sequence/stream).
	auStart
	// auCandidate: the first parameter set, SEI, delimiter or similar
	// after a slice; it begins the next access unit if the next slice
	// belongs to a new picture.
	auCandidate
	// auPicture: a slice that begins a new picture, with no candidate
	// since the previous slice: the access unit begins here.
	auPicture
	// auPictureAtCandidate: a slice that begins a new picture; the access
	// unit began at the candidate before it.
	auPictureAtCandidate
	// auCancelCandidate: a slice of the same picture as the previous one;
	// the candidate before it was inside the picture after all.
	auCancelCandidate
)

// immediate maps a verdict to StartsNewAU's answer, which cannot wait for
// the next slice and so takes every candidate as the boundary.
func (b auBoundary) immediate() bool {
	return b == auStart || b == auCandidate || b == auPicture
}

// AUDetector is an access unit boundary detector: *H264AUDetector or
// *H265AUDetector. AccessUnitSplitter uses one.
type AUDetector interface {
	// StartsNewAU reports whether nal, the next NAL unit in decoding
	// order, begins a new access unit.
	StartsNewAU(nal []byte) bool
	// Reset forgets all state.
	Reset()
	classify(nal []byte) auBoundary
}

// DefaultMaxAUNALs is the AccessUnitSplitter.MaxNALs used when that field
// is zero. H.265 allows at most 600 slice segments per picture (level 6.2,
// Table A.8); H.264 Main and High allow fewer.
const DefaultMaxAUNALs = 1024

// AccessUnitSplitter groups a sequence of NAL units into access units. Push
// each NAL unit in decoding order; when one completes an access unit, Push
// appends the finished unit's NAL units to the caller's slice. The NAL
// units are not copied: they must stay valid until their access unit has
// been returned. After warm-up the splitter allocates nothing.
//
// A parameter set, SEI or delimiter after a slice is held until the next
// slice shows whether it begins a new picture, so parameter sets between
// the slices of one picture stay in that picture's access unit, as the
// standards allow.
type AccessUnitSplitter struct {
	// Detector decides the boundaries: &H264AUDetector{} or
	// &H265AUDetector{}. Nil means a new H264AUDetector.
	Detector AUDetector
	// MaxNALs bounds how many NAL units one access unit may collect; a
	// longer run is returned as an access unit of its own, so malformed
	// input cannot grow memory without limit. Zero means DefaultMaxAUNALs.
	MaxNALs int

	pending [][]byte
	cand    int  // index in pending of the held candidate
	hasCand bool // cand is set
}

// Push adds the next NAL unit. When nal completes an access unit (because
// nal begins the next one), Push appends the completed unit's NAL units to
// dst and returns it with ok true; otherwise it returns dst unchanged and
// false. Input that is no NAL unit (empty, or shorter than the H.265
// header) is dropped.
func (s *AccessUnitSplitter) Push(dst [][]byte, nal []byte) (au [][]byte, ok bool) {
	if s.Detector == nil {
		s.Detector = new(H264AUDetector)
	}
	limit := s.MaxNALs
	if limit <= 0 {
		limit = DefaultMaxAUNALs
	}
	switch s.Detector.classify(nal) {
	case auIgnore:
		return dst, false
	case auStart, auPicture:
		dst, ok = s.emit(dst, len(s.pending))
	case auPictureAtCandidate:
		if s.hasCand {
			dst, ok = s.emit(dst, s.cand)
		} else {
			dst, ok = s.emit(dst, len(s.pending))
		}
	case auCandidate:
		if !s.hasCand {
			s.cand, s.hasCand = len(s.pending), true
		}
	case auCancelCandidate:
		s.hasCand = false
	}
	if !ok && len(s.pending) >= limit {
		dst, ok = s.emit(dst, len(s.pending))
	}
	s.pending = append(s.pending, nal)
	return dst, ok
}

// emit appends pending[:n] to dst and keeps pending[n:] as the start of the
// next access unit. It returns ok false when n is 0.
func (s *AccessUnitSplitter) emit(dst [][]byte, n int) ([][]byte, bool) {
	s.hasCand = false
	if n == 0 {
		return dst, false
	}
	dst = append(dst, s.pending[:n]...)
	k := copy(s.pending, s.pending[n:])
	clear(s.pending[k:])
	s.pending = s.pending[:k]
	return dst, true
}

// Flush appends the NAL units of the access unit in progress, if any, to
// dst and returns it with ok true; call it at the end of the stream.
func (s *AccessUnitSplitter) Flush(dst [][]byte) (au [][]byte, ok bool) {
	return s.emit(dst, len(s.pending))
}

// Reset drops the access unit in progress and resets the detector.
func (s *AccessUnitSplitter) Reset() {
	clear(s.pending)
	s.pending = s.pending[:0]
	s.hasCand = false
	if s.Detector != nil {
		s.Detector.Reset()
	}
}
