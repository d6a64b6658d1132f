package aac

// ObjectType is an MPEG-4 Audio Object Type (ISO/IEC 14496-3 Table 1.17).
// ADTS carries it as profile = ObjectType - 1, so ADTS can only express
// types 1 to 4.
type ObjectType uint8

// Audio object types this package names. The AudioSpecificConfig codes any
// value up to 95 (the escape value 31 extends it by 6 bits).
const (
	ObjectTypeAACMain     ObjectType = 1
	ObjectTypeAACLC       ObjectType = 2
	ObjectTypeAACSSR      ObjectType = 3
	ObjectTypeAACLTP      ObjectType = 4
	ObjectTypeSBR         ObjectType = 5 // HE-AAC (explicit signalling)
	ObjectTypeAACScalable ObjectType = 6
	ObjectTypeTwinVQ      ObjectType = 7
	ObjectTypeERAACLC     ObjectType = 17
	ObjectTypeERAACLD     ObjectType = 23
	ObjectTypePS          ObjectType = 29 // HE-AACv2 (explicit signalling)
	ObjectTypeEscape      ObjectType = 31 // not a type: announces 6 more bits
	ObjectTypeERAACELD    ObjectType = 39
	ObjectTypeUSAC        ObjectType = 42

	// MaxObjectType is the largest type the 5+6-bit coding can express.
	MaxObjectType ObjectType = 32 + 63
)

// sampleRates is the samplingFrequencyIndex table (ISO/IEC 14496-3 Table
// 1.18). Indices 13 and 14 are reserved; 15 means the rate follows as an
// explicit 24-bit value (AudioSpecificConfig only, never in ADTS).
var sampleRates = [13]int{
	96000, 88200, 64000, 48000, 44100, 32000, 24000,
	22050, 16000, 12000, 11025, 8000, 7350,
}

// explicitRateIndex is the samplingFrequencyIndex that announces an explicit
// 24-bit sampling frequency.
const explicitRateIndex = 15

// SampleRateFromIndex returns the sampling frequency of a
// samplingFrequencyIndex, or false for the reserved and escape indices.
func SampleRateFromIndex(i uint8) (int, bool) {
	if int(i) >= len(sampleRates) {
		return 0, false
	}
	return sampleRates[i], true
}

// SampleRateIndex returns the samplingFrequencyIndex of a sampling frequency
// that the table holds exactly, or false.
func SampleRateIndex(rate int) (uint8, bool) {
	for i, r := range sampleRates {
		if r == rate {
			return uint8(i), true
		}
	}
	return 0, false
}

// ChannelCount returns the number of output channels of a
// channelConfiguration (ISO/IEC 14496-3 Table 1.19): 1 to 6 for
// configurations 1 to 6, 8 for 7 (7.1). Configuration 0 means a
// program_config_element defines the layout and reports 0 here.
func ChannelCount(channelConfig uint8) int {
	switch {
	case channelConfig >= 1 && channelConfig <= 6:
		return int(channelConfig)
	case channelConfig == 7:
		return 8
	}
	return 0
}
