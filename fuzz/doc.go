// Package fuzz holds the go test -fuzz targets for every parser in the
// module. Each target feeds arbitrary bytes to one parser and checks that it
// returns an error or a value that marshals back consistently; it must never
// panic or hang. Seed corpora live under testdata/fuzz/<Target>/, so a plain
// go test replays them; run one target with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzRTPPacket$' -fuzztime 30s
package fuzz
