package snapshot

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"strings"
	"testing"
)

func gzipped(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGzipLimit: a gzip stream decompresses to at most MaxSnapshotRatio
// times its size, never less than MinSnapshotLimit nor more than
// MaxSnapshotBytes; one byte past the limit is refused as a bomb, the
// limit itself is not, and a trailer claiming a small size changes
// nothing.
func TestGzipLimit(t *testing.T) {
	for n, want := range map[int]int64{
		1_000:                               MinSnapshotLimit,
		10 << 20:                            1000 << 20,
		20 << 20:                            2000 << 20,
		100 << 20:                           MaxSnapshotBytes,
		MinSnapshotLimit / MaxSnapshotRatio: MinSnapshotLimit,
	} {
		if got := gzipLimit(n); got != want {
			t.Errorf("gzipLimit(%d) = %d, want %d", n, got, want)
		}
	}
	data := bytes.Repeat([]byte("a"), 100_000)
	zb := gzipped(t, data)
	if got, err := gunzipWithin(zb, int64(len(data))); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("near miss, exactly the limit: %d bytes, %v", len(got), err)
	}
	if _, err := gunzipWithin(zb, int64(len(data))-1); err == nil || !strings.Contains(err.Error(), "decompression bomb") {
		t.Errorf("one byte past the limit: %v", err)
	}
	lying := bytes.Clone(zb)
	binary.LittleEndian.PutUint32(lying[len(lying)-4:], 10)
	if _, err := gunzipWithin(lying, 1000); err == nil || !strings.Contains(err.Error(), "decompression bomb") {
		t.Errorf("a trailer claiming 10 bytes: %v", err)
	}
}
