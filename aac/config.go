package aac

import (
	"encoding/hex"
	"errors"
	"fmt"
)

// Errors reported for an AudioSpecificConfig.
var (
	ErrConfigShort   = errors.New("aac: AudioSpecificConfig truncated")
	ErrConfigInvalid = errors.New("aac: invalid AudioSpecificConfig")
)

// AudioSpecificConfig is the decoder configuration of an MPEG-4 Audio
// stream (ISO/IEC 14496-3 §1.6.2.1), which SDP carries in hexadecimal as the
// config= parameter of mpeg4-generic (RFC 3640 §4.1).
//
// For the General Audio object types 1, 2, 3, 4, 6 and 7 with a channel
// configuration other than 0, the GASpecificConfig is decoded into the flag
// fields. For every other object type, and for channel configuration 0
// (whose program_config_element this package does not decode), the bits
// after channelConfiguration are kept verbatim in Specific so that the
// configuration still marshals back unchanged.
//
// HE-AAC (SBR) and HE-AACv2 (PS) are read in both the explicit hierarchical
// form (object type 5 or 29 followed by the core type) and the
// backward-compatible form (a sync extension after the core's
// GASpecificConfig); either way ObjectType is the core type (normally LC)
// and SBR, PS and ExtensionSampleRate describe the extension. Marshal
// writes the hierarchical form.
type AudioSpecificConfig struct {
	// ObjectType is the audio object type of the core coder (2 for
	// AAC-LC), 1 to MaxObjectType; never 5, 29 or 31, which SBR and PS
	// express.
	ObjectType ObjectType
	// SampleRate is the core sampling frequency in Hz. Marshal writes the
	// table index when the rate is in the table and the explicit 24-bit
	// value otherwise.
	SampleRate int
	// ChannelConfig is channelConfiguration (4 bits); see ChannelCount.
	ChannelConfig uint8

	// FrameLengthFlag selects 960-sample frames instead of 1024.
	FrameLengthFlag bool
	// DependsOnCoreCoder says CoreCoderDelay (14 bits) follows.
	DependsOnCoreCoder bool
	CoreCoderDelay     uint16
	// ExtensionFlag must be clear for types 1 to 7; when set,
	// ExtensionFlag3 follows it.
	ExtensionFlag  bool
	ExtensionFlag3 bool
	// LayerNr (3 bits) is present for AAC Scalable (type 6).
	LayerNr uint8

	// SBR says spectral band replication is present (HE-AAC), PS that
	// parametric stereo is too (HE-AACv2; PS implies SBR).
	SBR bool
	PS  bool
	// ExtensionSampleRate is the output sampling frequency with SBR,
	// usually twice SampleRate.
	ExtensionSampleRate int

	// Specific holds the undecoded bits after channelConfiguration (or
	// after the core object type in the hierarchical SBR form), most
	// significant bit first, and SpecificBits their count. Only used when
	// the object type's configuration is not decoded (see the type's doc).
	Specific     []byte
	SpecificBits int
}

// decodesGA reports whether this package decodes the GASpecificConfig of
// the object type with this channel configuration.
func decodesGA(t ObjectType, channelConfig uint8) bool {
	if channelConfig == 0 {
		return false // program_config_element follows: kept verbatim
	}
	switch t {
	case ObjectTypeAACMain, ObjectTypeAACLC, ObjectTypeAACSSR, ObjectTypeAACLTP,
		ObjectTypeAACScalable, ObjectTypeTwinVQ:
		return true
	}
	return false
}

// readObjectType reads GetAudioObjectType(): 5 bits, and when they are 31,
// 32 plus 6 more bits (§1.6.2.1.1).
func readObjectType(r *bitReader) (ObjectType, error) {
	v, err := r.read(5)
	if err != nil {
		return 0, err
	}
	if v == uint32(ObjectTypeEscape) {
		ext, err := r.read(6)
		if err != nil {
			return 0, err
		}
		v = 32 + ext
	}
	return ObjectType(v), nil
}

// writeObjectType is the inverse of readObjectType.
func writeObjectType(w *bitWriter, t ObjectType) {
	if t >= 31 {
		w.write(uint32(ObjectTypeEscape), 5)
		w.write(uint32(t-32), 6)
		return
	}
	w.write(uint32(t), 5)
}

// readSampleRate reads a samplingFrequencyIndex and, for index 15, the
// explicit 24-bit frequency.
func readSampleRate(r *bitReader) (int, error) {
	idx, err := r.read(4)
	if err != nil {
		return 0, err
	}
	if idx == explicitRateIndex {
		v, err := r.read(24)
		if err != nil {
			return 0, err
		}
		if v == 0 {
			return 0, fmt.Errorf("%w: explicit sampling frequency 0", ErrConfigInvalid)
		}
		return int(v), nil
	}
	rate, ok := SampleRateFromIndex(uint8(idx))
	if !ok {
		return 0, fmt.Errorf("%w: reserved sampling frequency index %d", ErrConfigInvalid, idx)
	}
	return rate, nil
}

// writeSampleRate is the inverse of readSampleRate.
func writeSampleRate(w *bitWriter, rate int) {
	if idx, ok := SampleRateIndex(rate); ok {
		w.write(uint32(idx), 4)
		return
	}
	w.write(explicitRateIndex, 4)
	w.write(uint32(rate), 24)
}

// Unmarshal parses an AudioSpecificConfig. Specific, when used, is a new
// slice that does not alias b. Bits after the decoded configuration (byte
// padding, unknown extensions) are ignored.
func (c *AudioSpecificConfig) Unmarshal(b []byte) error {
	*c = AudioSpecificConfig{}
	r := bitReader{b: b}
	if err := c.unmarshal(&r); err != nil {
		if errors.Is(err, errBitsShort) {
			return ErrConfigShort
		}
		return err
	}
	return nil
}

func (c *AudioSpecificConfig) unmarshal(r *bitReader) error {
	t, err := readObjectType(r)
	if err != nil {
		return err
	}
	if t == 0 {
		return fmt.Errorf("%w: object type 0", ErrConfigInvalid)
	}
	if c.SampleRate, err = readSampleRate(r); err != nil {
		return err
	}
	ch, err := r.read(4)
	if err != nil {
		return err
	}
	c.ChannelConfig = uint8(ch)
	if t == ObjectTypeSBR || t == ObjectTypePS {
		// Explicit hierarchical signalling (§1.6.5.2).
		c.SBR = true
		c.PS = t == ObjectTypePS
		if c.ExtensionSampleRate, err = readSampleRate(r); err != nil {
			return err
		}
		if t, err = readObjectType(r); err != nil {
			return err
		}
		if t == 0 || t == ObjectTypeSBR || t == ObjectTypePS {
			return fmt.Errorf("%w: core object type %d under SBR", ErrConfigInvalid, t)
		}
	}
	c.ObjectType = t
	if !decodesGA(t, c.ChannelConfig) {
		n := r.left()
		c.SpecificBits = n
		c.Specific = make([]byte, (n+7)/8)
		for i := 0; n > 0; i++ {
			k := min(n, 8)
			v, _ := r.read(k)
			c.Specific[i] = byte(v << (8 - k))
			n -= k
		}
		return nil
	}
	if err := c.readGA(r); err != nil {
		return err
	}
	if !c.SBR {
		c.readSyncExtension(r)
	}
	return nil
}

// readGA reads GASpecificConfig (§4.4.1) for a decoded type, which never
// has a program_config_element (channel configuration 0 is kept verbatim).
func (c *AudioSpecificConfig) readGA(r *bitReader) error {
	var err error
	if c.FrameLengthFlag, err = r.flag(); err != nil {
		return err
	}
	if c.DependsOnCoreCoder, err = r.flag(); err != nil {
		return err
	}
	if c.DependsOnCoreCoder {
		d, err := r.read(14)
		if err != nil {
			return err
		}
		c.CoreCoderDelay = uint16(d)
	}
	if c.ExtensionFlag, err = r.flag(); err != nil {
		return err
	}
	if c.ObjectType == ObjectTypeAACScalable {
		n, err := r.read(3)
		if err != nil {
			return err
		}
		c.LayerNr = uint8(n)
	}
	if c.ExtensionFlag {
		// Types 1 to 7 have no ER fields; only extensionFlag3 follows.
		if c.ExtensionFlag3, err = r.flag(); err != nil {
			return err
		}
	}
	return nil
}

// readSyncExtension reads the backward-compatible SBR/PS signalling that may
// follow the core configuration (§1.6.5.2): syncExtensionType 0x2B7, object
// type 5, sbrPresentFlag and the extension rate, then optionally 0x548 and
// psPresentFlag. Anything else there is ignored.
func (c *AudioSpecificConfig) readSyncExtension(r *bitReader) {
	if r.left() < 16 {
		return
	}
	save := *r
	if v, _ := r.read(11); v != 0x2B7 {
		*r = save
		return
	}
	t, err := readObjectType(r)
	if err != nil || t != ObjectTypeSBR {
		return
	}
	sbr, err := r.flag()
	if err != nil || !sbr {
		return
	}
	rate, err := readSampleRate(r)
	if err != nil {
		return
	}
	c.SBR, c.ExtensionSampleRate = true, rate
	if r.left() >= 12 {
		if v, _ := r.read(11); v == 0x548 {
			c.PS, _ = r.flag()
		}
	}
}

// Marshal returns the configuration in its bit syntax, padded with zero
// bits to a whole byte.
func (c *AudioSpecificConfig) Marshal() ([]byte, error) {
	return c.AppendTo(nil)
}

// AppendTo appends the marshalled configuration to dst.
func (c *AudioSpecificConfig) AppendTo(dst []byte) ([]byte, error) {
	if err := c.validate(); err != nil {
		return dst, err
	}
	w := bitWriter{b: dst}
	if c.SBR {
		if c.PS {
			writeObjectType(&w, ObjectTypePS)
		} else {
			writeObjectType(&w, ObjectTypeSBR)
		}
	} else {
		writeObjectType(&w, c.ObjectType)
	}
	writeSampleRate(&w, c.SampleRate)
	w.write(uint32(c.ChannelConfig), 4)
	if c.SBR {
		writeSampleRate(&w, c.ExtensionSampleRate)
		writeObjectType(&w, c.ObjectType)
	}
	if !decodesGA(c.ObjectType, c.ChannelConfig) {
		n := c.SpecificBits
		for i := 0; n > 0; i++ {
			k := min(n, 8)
			w.write(uint32(c.Specific[i]>>(8-k)), k)
			n -= k
		}
		return w.b, nil
	}
	w.flag(c.FrameLengthFlag)
	w.flag(c.DependsOnCoreCoder)
	if c.DependsOnCoreCoder {
		w.write(uint32(c.CoreCoderDelay), 14)
	}
	w.flag(c.ExtensionFlag)
	if c.ObjectType == ObjectTypeAACScalable {
		w.write(uint32(c.LayerNr), 3)
	}
	if c.ExtensionFlag {
		w.flag(c.ExtensionFlag3)
	}
	return w.b, nil
}

func (c *AudioSpecificConfig) validate() error {
	switch {
	case c.ObjectType == 0 || c.ObjectType > MaxObjectType ||
		c.ObjectType == ObjectTypeSBR || c.ObjectType == ObjectTypePS || c.ObjectType == ObjectTypeEscape:
		return fmt.Errorf("%w: object type %d", ErrConfigInvalid, c.ObjectType)
	case c.SampleRate <= 0 || c.SampleRate >= 1<<24:
		return fmt.Errorf("%w: sampling frequency %d", ErrConfigInvalid, c.SampleRate)
	case c.ChannelConfig > 15:
		return fmt.Errorf("%w: channel configuration %d", ErrConfigInvalid, c.ChannelConfig)
	case c.CoreCoderDelay >= 1<<14 || c.LayerNr >= 8:
		return fmt.Errorf("%w: GASpecificConfig field out of range", ErrConfigInvalid)
	case c.PS && !c.SBR:
		return fmt.Errorf("%w: PS without SBR", ErrConfigInvalid)
	case c.SBR && (c.ExtensionSampleRate <= 0 || c.ExtensionSampleRate >= 1<<24):
		return fmt.Errorf("%w: SBR sampling frequency %d", ErrConfigInvalid, c.ExtensionSampleRate)
	case c.SpecificBits < 0 || c.SpecificBits > 8*len(c.Specific):
		return fmt.Errorf("%w: SpecificBits %d for %d bytes", ErrConfigInvalid, c.SpecificBits, len(c.Specific))
	case c.SpecificBits > 0 && decodesGA(c.ObjectType, c.ChannelConfig):
		return fmt.Errorf("%w: Specific set for a decoded object type", ErrConfigInvalid)
	}
	return nil
}

// MarshalHex returns the configuration as the lower-case hexadecimal string
// of SDP's config= parameter (RFC 3640 §4.1), e.g. "1190" for AAC-LC 48 kHz
// stereo.
func (c *AudioSpecificConfig) MarshalHex() (string, error) {
	b, err := c.Marshal()
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(b), nil
}

// ParseConfigHex parses the hexadecimal form of config=, in either case.
func ParseConfigHex(s string) (AudioSpecificConfig, error) {
	var c AudioSpecificConfig
	b, err := hex.DecodeString(s)
	if err != nil {
		return c, fmt.Errorf("%w: config is not hexadecimal: %w", ErrConfigInvalid, err)
	}
	err = c.Unmarshal(b)
	return c, err
}

// ClockRate is the RTP clock rate that suits the stream: the output
// sampling frequency, which with SBR is ExtensionSampleRate.
func (c *AudioSpecificConfig) ClockRate() int {
	if c.SBR && c.ExtensionSampleRate > 0 {
		return c.ExtensionSampleRate
	}
	return c.SampleRate
}

// FrameSamples is the duration of one access unit in ClockRate ticks:
// 1024 samples (960 with FrameLengthFlag) of the core, scaled to the output
// rate with SBR (2048 when the rate doubles).
func (c *AudioSpecificConfig) FrameSamples() int {
	n := 1024
	if c.FrameLengthFlag {
		n = 960
	}
	if c.SampleRate > 0 && c.ClockRate() != c.SampleRate {
		n = int(int64(n) * int64(c.ClockRate()) / int64(c.SampleRate))
	}
	return n
}

// ChannelCount is the number of output channels (see ChannelCount), 2 for
// PS whose mono core decodes to stereo.
func (c *AudioSpecificConfig) ChannelCount() int {
	if c.PS {
		return 2
	}
	return ChannelCount(c.ChannelConfig)
}
