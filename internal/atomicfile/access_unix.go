//go:build unix

package atomicfile

import "syscall"

// writable reports whether this process may open path for writing, without
// opening it (opening a named pipe would wait for a reader).
func writable(path string) error {
	const wOK = 2 // W_OK of access(2)
	return syscall.Access(path, wOK)
}
