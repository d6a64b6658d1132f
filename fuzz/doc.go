// Package fuzz holds the go test -fuzz targets for every parser in the
// module. Each target feeds arbitrary bytes to one parser and checks that it
// returns an error or a value that marshals back consistently; it must never
// panic or hang. Seed corpora live under testdata/fuzz/<Target>/, so a plain
// go test replays them; run one target with
//
//	go test ./fuzz -run '^$' -fuzz '^FuzzRTPPacket$' -fuzztime 30s
//
// The engine minimises every input that reaches new coverage before it
// fuzzes on, removing bytes of each []byte or string argument one range at
// a time: O(n²) runs for n bytes, which fill a short run when n is in the
// hundreds and coverage depends on the length. A target whose code under
// test ignores the bytes' values takes the length as an integer instead
// (FuzzG711Packetizer); scripts/fuzz-ci.sh bounds each minimisation by a
// count.
package fuzz
