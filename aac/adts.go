package aac

import (
	"errors"
	"fmt"
)

// ADTS framing (ISO/IEC 14496-3 §1.A.2.2, identical to ISO/IEC 13818-7
// §6.2): every frame starts with a 7-byte header, or 9 bytes when a CRC
// follows it, and aac_frame_length counts the header too.

// Sizes of an ADTS header without and with its CRC.
const (
	ADTSHeaderSize    = 7
	ADTSHeaderSizeCRC = 9
	// MaxADTSFrameSize is the largest aac_frame_length (13 bits).
	MaxADTSFrameSize = 1<<13 - 1
)

// Errors reported for ADTS input.
var (
	ErrADTSSync      = errors.New("aac: no ADTS syncword")
	ErrADTSTruncated = errors.New("aac: ADTS frame truncated")
	ErrADTSLayer     = errors.New("aac: ADTS layer is not 0")
	ErrADTSRate      = errors.New("aac: reserved ADTS sampling frequency index")
	ErrADTSLength    = errors.New("aac: ADTS frame length shorter than its header")
	// ErrADTSRawDataBlocks is returned for a frame that packs more than one
	// raw_data_block: without a CRC their boundaries are only found by
	// decoding, so such a frame cannot be split into access units. ParseADTS
	// still fills in the header, so a caller can skip FrameLength bytes.
	ErrADTSRawDataBlocks = errors.New("aac: ADTS frame with several raw data blocks is not supported")
	// ErrADTSConfigChange is returned by SplitADTS when a frame's object
	// type, sampling frequency or channel configuration differs from the
	// first frame's: the stream's SDP would no longer describe it.
	ErrADTSConfigChange = errors.New("aac: ADTS configuration changed within the stream")
	// ErrADTSUnrepresentable is returned by AppendADTS for a configuration
	// that an ADTS header cannot express.
	ErrADTSUnrepresentable = errors.New("aac: configuration cannot be written as ADTS")
)

// ADTSHeader is one ADTS frame header: the fixed part (syncword to home) and
// the variable part (copyright bits to number_of_raw_data_blocks_in_frame),
// plus the CRC word when protection_absent is 0.
type ADTSHeader struct {
	// MPEG2 is the ID bit: set for MPEG-2 AAC, clear for MPEG-4.
	MPEG2 bool
	// HasCRC is the inverse of protection_absent: a 16-bit CRC follows the
	// header. The CRC is kept in CRC but not verified.
	HasCRC bool
	// ObjectType is profile + 1 (1 Main, 2 LC, 3 SSR, 4 LTP).
	ObjectType ObjectType
	// SampleRateIndex is sampling_frequency_index, 0 to 12.
	SampleRateIndex uint8
	Private         bool
	// ChannelConfig is channel_configuration; 0 means an in-band program
	// config element describes the channels.
	ChannelConfig    uint8
	Original         bool
	Home             bool
	CopyrightIDBit   bool
	CopyrightIDStart bool
	// FrameLength is aac_frame_length: header, CRC and access unit.
	FrameLength int
	// BufferFullness is adts_buffer_fullness (11 bits; 0x7FF means VBR).
	BufferFullness uint16
	// RawDataBlocks is number_of_raw_data_blocks_in_frame: the frame holds
	// RawDataBlocks+1 blocks. Only 0 can be split.
	RawDataBlocks uint8
	// CRC is crc_check when HasCRC.
	CRC uint16
}

// HeaderSize is the number of bytes before the access unit: 7, or 9 with
// a CRC.
func (h *ADTSHeader) HeaderSize() int {
	if h.HasCRC {
		return ADTSHeaderSizeCRC
	}
	return ADTSHeaderSize
}

// PayloadSize is the size of the access unit the frame carries.
func (h *ADTSHeader) PayloadSize() int { return h.FrameLength - h.HeaderSize() }

// SampleRate is the sampling frequency in Hz.
func (h *ADTSHeader) SampleRate() int {
	r, _ := SampleRateFromIndex(h.SampleRateIndex)
	return r
}

// ParseADTS parses the ADTS header at the start of b. It checks the
// syncword, layer, sampling frequency index and that aac_frame_length covers
// the header; it does not require the whole frame to be in b (NextADTS
// does). A frame with several raw data blocks yields the parsed header and
// ErrADTSRawDataBlocks.
func ParseADTS(b []byte) (ADTSHeader, error) {
	var h ADTSHeader
	if len(b) < ADTSHeaderSize {
		if len(b) >= 1 && b[0] != 0xFF || len(b) >= 2 && b[1]&0xF0 != 0xF0 {
			return h, ErrADTSSync
		}
		return h, ErrADTSTruncated
	}
	if b[0] != 0xFF || b[1]&0xF0 != 0xF0 {
		return h, ErrADTSSync
	}
	if b[1]&0x06 != 0 {
		return h, ErrADTSLayer
	}
	h.MPEG2 = b[1]&0x08 != 0
	h.HasCRC = b[1]&0x01 == 0
	h.ObjectType = ObjectType(b[2]>>6) + 1
	h.SampleRateIndex = (b[2] >> 2) & 0x0F
	h.Private = b[2]&0x02 != 0
	h.ChannelConfig = (b[2]&0x01)<<2 | b[3]>>6
	h.Original = b[3]&0x20 != 0
	h.Home = b[3]&0x10 != 0
	h.CopyrightIDBit = b[3]&0x08 != 0
	h.CopyrightIDStart = b[3]&0x04 != 0
	h.FrameLength = int(b[3]&0x03)<<11 | int(b[4])<<3 | int(b[5]>>5)
	h.BufferFullness = uint16(b[5]&0x1F)<<6 | uint16(b[6]>>2)
	h.RawDataBlocks = b[6] & 0x03
	if int(h.SampleRateIndex) >= len(sampleRates) {
		return h, ErrADTSRate
	}
	if h.HasCRC {
		if len(b) < ADTSHeaderSizeCRC {
			return h, ErrADTSTruncated
		}
		h.CRC = uint16(b[7])<<8 | uint16(b[8])
	}
	// An access unit is at least one byte (an END element), so a frame
	// that is only a header is malformed.
	if h.FrameLength <= h.HeaderSize() {
		return h, ErrADTSLength
	}
	if h.RawDataBlocks != 0 {
		return h, ErrADTSRawDataBlocks
	}
	return h, nil
}

// AppendTo appends the header exactly as its fields say, CRC included when
// HasCRC. ObjectType must be 1 to 4 and the other fields within their bit
// widths; excess bits are masked off.
func (h *ADTSHeader) AppendTo(dst []byte) []byte {
	b1 := byte(0xF0)
	if h.MPEG2 {
		b1 |= 0x08
	}
	if !h.HasCRC {
		b1 |= 0x01
	}
	b2 := byte(h.ObjectType-1)<<6 | (h.SampleRateIndex&0x0F)<<2 | (h.ChannelConfig>>2)&0x01
	if h.Private {
		b2 |= 0x02
	}
	b3 := (h.ChannelConfig&0x03)<<6 | byte(h.FrameLength>>11)&0x03
	if h.Original {
		b3 |= 0x20
	}
	if h.Home {
		b3 |= 0x10
	}
	if h.CopyrightIDBit {
		b3 |= 0x08
	}
	if h.CopyrightIDStart {
		b3 |= 0x04
	}
	dst = append(dst, 0xFF, b1, b2, b3,
		byte(h.FrameLength>>3),
		byte(h.FrameLength&0x07)<<5|byte(h.BufferFullness>>6)&0x1F,
		byte(h.BufferFullness&0x3F)<<2|h.RawDataBlocks&0x03)
	if h.HasCRC {
		dst = append(dst, byte(h.CRC>>8), byte(h.CRC))
	}
	return dst
}

// NextADTS parses the first ADTS frame of b and returns its header, its
// access unit (without header and CRC, aliasing b) and the bytes after it.
// When b ends inside the frame it returns ErrADTSTruncated and rest = b, so
// that a caller reading a byte stream keeps rest and appends more.
func NextADTS(b []byte) (h ADTSHeader, au, rest []byte, err error) {
	h, err = ParseADTS(b)
	if err != nil {
		return h, nil, b, err
	}
	if len(b) < h.FrameLength {
		return h, nil, b, ErrADTSTruncated
	}
	return h, b[h.HeaderSize():h.FrameLength:h.FrameLength], b[h.FrameLength:], nil
}

// SplitADTS appends the access unit of every ADTS frame in b to dst and
// returns it with the header of the first frame. The access units alias b;
// with a dst of enough capacity nothing is allocated. Every frame must have
// the first frame's object type, sampling frequency and channel
// configuration. On error, dst holds the access units before the failing
// frame and the error says at which byte offset it starts; a truncated last
// frame gives ErrADTSTruncated. An empty b gives no access units and no
// error.
func SplitADTS(dst [][]byte, b []byte) ([][]byte, ADTSHeader, error) {
	var first ADTSHeader
	off := 0
	for n := 0; len(b) > 0; n++ {
		h, au, rest, err := NextADTS(b)
		if err != nil {
			return dst, first, fmt.Errorf("ADTS frame at byte %d: %w", off, err)
		}
		if n == 0 {
			first = h
		} else if h.ObjectType != first.ObjectType || h.SampleRateIndex != first.SampleRateIndex ||
			h.ChannelConfig != first.ChannelConfig {
			return dst, first, fmt.Errorf("ADTS frame at byte %d: %w", off, ErrADTSConfigChange)
		}
		dst = append(dst, au)
		off += h.FrameLength
		b = rest
	}
	return dst, first, nil
}

// AppendADTS appends an ADTS frame carrying au to dst: a 7-byte header
// without CRC, MPEG-4 ID, buffer fullness 0x7FF (variable bit rate) and all
// other flags clear, which is what ffmpeg writes, followed by au. The
// configuration must be expressible in ADTS: object type 1 to 4 (an SBR or
// PS configuration is written as its core, which is how ADTS carries
// HE-AAC), a sampling frequency from the table (the core's), channel
// configuration 0 to 7 and a frame of at most MaxADTSFrameSize bytes.
func AppendADTS(dst []byte, cfg AudioSpecificConfig, au []byte) ([]byte, error) {
	h, err := ADTSFromConfig(cfg, len(au))
	if err != nil {
		return dst, err
	}
	dst = h.AppendTo(dst)
	return append(dst, au...), nil
}

// ADTSFromConfig returns the header AppendADTS writes for an access unit of
// auSize bytes.
func ADTSFromConfig(cfg AudioSpecificConfig, auSize int) (ADTSHeader, error) {
	if cfg.ObjectType < ObjectTypeAACMain || cfg.ObjectType > ObjectTypeAACLTP {
		return ADTSHeader{}, fmt.Errorf("%w: object type %d", ErrADTSUnrepresentable, cfg.ObjectType)
	}
	idx, ok := SampleRateIndex(cfg.SampleRate)
	if !ok {
		return ADTSHeader{}, fmt.Errorf("%w: sampling frequency %d Hz", ErrADTSUnrepresentable, cfg.SampleRate)
	}
	if cfg.ChannelConfig > 7 {
		return ADTSHeader{}, fmt.Errorf("%w: channel configuration %d", ErrADTSUnrepresentable, cfg.ChannelConfig)
	}
	if auSize < 1 || auSize > MaxADTSFrameSize-ADTSHeaderSize {
		return ADTSHeader{}, fmt.Errorf("%w: access unit of %d bytes", ErrADTSUnrepresentable, auSize)
	}
	return ADTSHeader{
		ObjectType:      cfg.ObjectType,
		SampleRateIndex: idx,
		ChannelConfig:   cfg.ChannelConfig,
		FrameLength:     ADTSHeaderSize + auSize,
		BufferFullness:  0x7FF,
	}, nil
}

// ConfigFromADTS returns the AudioSpecificConfig that describes the stream
// of an ADTS header, for SDP: object type, sampling frequency and channel
// configuration, with the GASpecificConfig flags clear (1024-sample frames,
// no core coder, no extension), which is what ADTS implies.
func ConfigFromADTS(h ADTSHeader) AudioSpecificConfig {
	return AudioSpecificConfig{
		ObjectType:    h.ObjectType,
		SampleRate:    h.SampleRate(),
		ChannelConfig: h.ChannelConfig,
	}
}
