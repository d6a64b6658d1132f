package rtsp

// Method is a request method. Methods are case-sensitive tokens (RFC 2326
// §10); extension methods are any other token.
type Method string

// The methods of RFC 2326 §10.
const (
	Options      Method = "OPTIONS"
	Describe     Method = "DESCRIBE"
	Announce     Method = "ANNOUNCE"
	Setup        Method = "SETUP"
	Play         Method = "PLAY"
	Pause        Method = "PAUSE"
	Record       Method = "RECORD"
	Teardown     Method = "TEARDOWN"
	GetParameter Method = "GET_PARAMETER"
	SetParameter Method = "SET_PARAMETER"
	Redirect     Method = "REDIRECT"
)

// Protocol versions a Request or Response carries in Proto.
const (
	Proto10 = "RTSP/1.0"
	Proto20 = "RTSP/2.0"
)

// Valid reports whether m is a token that can be sent as a method: RFC
// 2326 §10 also forbids a leading '$', which marks an interleaved frame.
func (m Method) Valid() bool { return isToken(string(m)) && m[0] != '$' }

// internMethod returns the constant for a well-known method so that parsed
// requests do not keep the message text alive through their method.
func internMethod(s string) Method {
	switch s {
	case "OPTIONS":
		return Options
	case "DESCRIBE":
		return Describe
	case "ANNOUNCE":
		return Announce
	case "SETUP":
		return Setup
	case "PLAY":
		return Play
	case "PAUSE":
		return Pause
	case "RECORD":
		return Record
	case "TEARDOWN":
		return Teardown
	case "GET_PARAMETER":
		return GetParameter
	case "SET_PARAMETER":
		return SetParameter
	case "REDIRECT":
		return Redirect
	}
	return Method(s)
}
