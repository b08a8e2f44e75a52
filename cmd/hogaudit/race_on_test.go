//go:build race

package main

// raceEnabled says the tests run under the race detector, which slows the
// policy engine about tenfold.
const raceEnabled = true
