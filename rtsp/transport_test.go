package rtsp

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

func TestParseTransport(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Transport
		out  string // String() of the parsed value
	}{
		{
			in:   "RTP/AVP/UDP;unicast;client_port=18578-18579", // ffmpeg
			want: Transport{Protocol: "RTP", Profile: "AVP", Lower: "UDP", Delivery: DeliveryUnicast, ClientPort: &PortRange{18578, 18579}},
			out:  "RTP/AVP/UDP;unicast;client_port=18578-18579",
		},
		{
			in:   "RTP/AVP/TCP;unicast;interleaved=0-1", // ffmpeg -rtsp_transport tcp
			want: Transport{Protocol: "RTP", Profile: "AVP", Lower: "TCP", Delivery: DeliveryUnicast, Interleaved: &PortRange{0, 1}},
			out:  "RTP/AVP/TCP;unicast;interleaved=0-1",
		},
		{
			in:   "RTP/AVP;unicast;client_port=8000-8001;server_port=9000-9001;ssrc=1234ABCD",
			want: Transport{Protocol: "RTP", Profile: "AVP", Delivery: DeliveryUnicast, ClientPort: &PortRange{8000, 8001}, ServerPort: &PortRange{9000, 9001}, SSRC: ptr(uint32(0x1234abcd))},
			out:  "RTP/AVP;unicast;client_port=8000-8001;server_port=9000-9001;ssrc=1234ABCD",
		},
		{
			// RFC 2326 §14.4, multicast response.
			in:   "RTP/AVP;multicast;destination=224.2.0.1; port=3456-3457;ttl=16",
			want: Transport{Protocol: "RTP", Profile: "AVP", Delivery: DeliveryMulticast, Destination: "224.2.0.1", Port: &PortRange{3456, 3457}, TTL: ptr(uint8(16))},
			out:  "RTP/AVP;multicast;destination=224.2.0.1;ttl=16;port=3456-3457",
		},
		{
			// RFC 2326 §14.6, record.
			in:   "RTP/AVP;multicast;destination=224.0.1.11;port=21010-21011;mode=record;ttl=127",
			want: Transport{Protocol: "RTP", Profile: "AVP", Delivery: DeliveryMulticast, Destination: "224.0.1.11", Port: &PortRange{21010, 21011}, Mode: "RECORD", TTL: ptr(uint8(127))},
			out:  "RTP/AVP;multicast;destination=224.0.1.11;ttl=127;port=21010-21011;mode=RECORD",
		},
		{
			// RFC 2326 §14.3: lower case, no delivery, mode=play.
			in:   "rtp/avp/udp;client_port=6970-6971;mode=play",
			want: Transport{Protocol: "RTP", Profile: "AVP", Lower: "UDP", ClientPort: &PortRange{6970, 6971}, Mode: "PLAY"},
			out:  "RTP/AVP/UDP;client_port=6970-6971;mode=PLAY",
		},
		{
			// Quoted mode as in the §12.39 example, single port, append,
			// layers, source, bare destination, unknown parameters.
			in: `RTP/AVP;unicast;client_port=10000;mode="PLAY";append;layers=2;source=10.0.0.1;destination;RTCP-mux;x-foo="a;b"`,
			want: Transport{Protocol: "RTP", Profile: "AVP", Delivery: DeliveryUnicast, ClientPort: &PortRange{10000, 10000}, Mode: "PLAY",
				Append: true, Layers: ptr(uint32(2)), Source: "10.0.0.1",
				Params: []TransportParam{{Name: "destination"}, {Name: "RTCP-mux"}, {Name: "x-foo", Value: `"a;b"`, HasValue: true}}},
			out: `RTP/AVP;unicast;source=10.0.0.1;append;layers=2;client_port=10000;mode=PLAY;destination;RTCP-mux;x-foo="a;b"`,
		},
		{
			// RFC 7826 style: dest_addr kept as an unknown parameter.
			in: `RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=0A13F4E1;mode="PLAY,RECORD";dest_addr=":5000"`,
			want: Transport{Protocol: "RTP", Profile: "AVP", Lower: "TCP", Delivery: DeliveryUnicast, Interleaved: &PortRange{0, 1},
				SSRC: ptr(uint32(0x0a13f4e1)), Mode: "PLAY,RECORD", Params: []TransportParam{{Name: "dest_addr", Value: `":5000"`, HasValue: true}}},
			out: `RTP/AVP/TCP;unicast;interleaved=0-1;ssrc=0A13F4E1;mode="PLAY,RECORD";dest_addr=":5000"`,
		},
		{
			// SAVP is parsed; the server rejects it later (IsRTPAVP).
			in:   "RTP/SAVP;unicast;client_port=5000-5001;ssrc=1f",
			want: Transport{Protocol: "RTP", Profile: "SAVP", Delivery: DeliveryUnicast, ClientPort: &PortRange{5000, 5001}, SSRC: ptr(uint32(0x1f))},
			out:  "RTP/SAVP;unicast;client_port=5000-5001;ssrc=0000001F",
		},
		{
			in:   `RTP/AVP/TCP;interleaved=2-3;mode="play, record"`,
			want: Transport{Protocol: "RTP", Profile: "AVP", Lower: "TCP", Interleaved: &PortRange{2, 3}, Mode: "PLAY,RECORD"},
			out:  `RTP/AVP/TCP;interleaved=2-3;mode="PLAY,RECORD"`,
		},
		{
			in:   "RTP/AVP;unicast;interleaved=4;;",
			want: Transport{Protocol: "RTP", Profile: "AVP", Delivery: DeliveryUnicast, Interleaved: &PortRange{4, 4}},
			out:  "RTP/AVP;unicast;interleaved=4",
		},
	} {
		got, err := ParseTransport(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
		require.Equal(t, tc.out, got.String(), tc.in)
		again, err := ParseTransport(got.String())
		require.NoError(t, err)
		require.Equal(t, got, again, "round trip of %q", tc.in)
	}
}

func TestParseTransportErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"RTP",
		"RTP/AVP/TCP/X",
		"RTP//TCP",
		"RTP/AVP;client_port=70000",
		"RTP/AVP;client_port=a-b",
		"RTP/AVP;client_port=1-",
		"RTP/AVP;client_port",
		"RTP/AVP;interleaved=256",
		"RTP/AVP;interleaved=0-300",
		"RTP/AVP;ttl=256",
		"RTP/AVP;ttl=-1",
		"RTP/AVP;ssrc=123456789",
		"RTP/AVP;ssrc=xyz",
		"RTP/AVP;ssrc=+1",
		"RTP/AVP;mode=",
		`RTP/AVP;mode="PL AY"`,
		`RTP/AVP;mode="PLAY`,
		"RTP/AVP;unicast=1",
		"RTP/AVP;=5",
		"RTP/AVP;destination=",
		"RTP/AVP;layers=x",
		"RTP/AVP;x\x00=1",
	} {
		_, err := ParseTransport(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
}

func TestParseTransports(t *testing.T) {
	// RFC 2326 §12.39 example (unfolded).
	ts, err := ParseTransports(`RTP/AVP;multicast;ttl=127;mode="PLAY", RTP/AVP;unicast;client_port=3456-3457;mode="PLAY"`)
	require.NoError(t, err)
	require.Len(t, ts, 2)
	require.Equal(t, DeliveryMulticast, ts[0].Delivery)
	require.Equal(t, &PortRange{3456, 3457}, ts[1].ClientPort)
	require.Equal(t, "RTP/AVP;multicast;ttl=127;mode=PLAY,RTP/AVP;unicast;client_port=3456-3457;mode=PLAY", FormatTransports(ts))

	// VLC offers TCP and UDP; a comma inside quotes does not split.
	ts, err = ParseTransports(`RTP/AVP/TCP;unicast;interleaved=0-1;mode="PLAY,RECORD",,RTP/AVP;unicast;client_port=5000-5001`)
	require.NoError(t, err)
	require.Len(t, ts, 2)
	require.True(t, ts[0].IsTCP())
	require.True(t, ts[0].IsRecord())
	require.False(t, ts[1].IsTCP())

	for _, in := range []string{"", " , ", `RTP/AVP;x="`, "RTP/AVP;ttl=x,RTP/AVP"} {
		_, err := ParseTransports(in)
		require.ErrorIs(t, err, ErrMalformed, "%q", in)
	}
	many := ""
	for range maxTransports + 1 {
		many += "RTP/AVP,"
	}
	_, err = ParseTransports(many)
	require.ErrorIs(t, err, ErrMalformed)
}

func TestTransportHelpers(t *testing.T) {
	for _, tc := range []struct {
		in            string
		avp, tcp, rec bool
	}{
		{"RTP/AVP", true, false, false},
		{"RTP/AVP/UDP;mode=record", true, false, true},
		{"RTP/AVP/TCP;mode=receive", true, true, true},
		{"RTP/SAVP/TCP", false, true, false},
		{"RAW/RAW/UDP", false, false, false},
		{"RTP/AVP/SCTP", false, false, false},
	} {
		tr, err := ParseTransport(tc.in)
		require.NoError(t, err)
		require.Equal(t, tc.avp, tr.IsRTPAVP(), tc.in)
		require.Equal(t, tc.tcp, tr.IsTCP(), tc.in)
		require.Equal(t, tc.rec, tr.IsRecord(), tc.in)
	}
	require.Equal(t, "5000", PortRange{5000, 5000}.String())
	require.Equal(t, "5000-5001", PortRange{5000, 5001}.String())
}
