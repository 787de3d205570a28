package peermon

// WithClock replaces the client's clock, for tests of clock skew.
var WithClock = withClock
