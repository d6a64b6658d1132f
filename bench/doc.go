// Package bench compares rtspkit with gortsplib and pion/rtp on the same
// input, on this machine: micro benchmarks of H.264 and H.265 packetization
// (micro_test.go, cmd/microtable) and a load benchmark that serves a
// 4 Mbit/s file from each server in its own process to a swarm of readers
// in another (cmd/loadbench, cmd/benchserver-ours, cmd/benchserver-gortsplib,
// cmd/swarm). It is a separate module so that the peers it imports never
// reach the main module. See README.md.
package bench
