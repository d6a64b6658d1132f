package onvif

import (
	"os"
	"testing"
)

// TestMain removes the npm client installed for the tests, if any.
func TestMain(m *testing.M) {
	code := m.Run()
	removeNPMClient()
	os.Exit(code)
}
