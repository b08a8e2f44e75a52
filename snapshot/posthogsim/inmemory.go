package posthogsim

import (
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
)

// InMemoryBaseURL is the base URL InMemory's client reaches the server at.
// Its host is loopback, so a client accepts its plain http.
const InMemoryBaseURL = "http://localhost"

// InMemory serves s with a real net/http server over in-memory connections
// (net.Pipe) and returns a client speaking HTTP/1.1 to it, the base URL to
// use with that client, and a function that shuts both down and waits for
// the server to stop. No socket is opened: every wait is on channels and
// timers, so a test can run entirely inside a testing/synctest bubble, where
// the server's latency and the client's waits advance the fake clock. Call
// InMemory inside the bubble, and the close function before the bubble ends.
func (s *Server) InMemory() (client *http.Client, baseURL string, closeFn func()) {
	return ServeInMemory(s)
}

// ServeInMemory is InMemory for any handler, such as a test's own stand-in
// for an odd server.
func ServeInMemory(h http.Handler) (client *http.Client, baseURL string, closeFn func()) {
	l := &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = srv.Serve(l)
	}()
	tr := &http.Transport{
		DialContext:         l.dial,
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	closeFn = func() {
		tr.CloseIdleConnections()
		_ = srv.Close()
		<-stopped
	}
	return &http.Client{Transport: tr}, InMemoryBaseURL, closeFn
}

// pipeListener is a net.Listener whose connections are net.Pipe ends.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

// dial hands one end of a new pipe to the server and returns the other.
func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	server, client := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-ctx.Done():
		server.Close()
		client.Close()
		return nil, ctx.Err()
	case <-l.done:
		server.Close()
		client.Close()
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: net.ErrClosed}
	}
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "posthogsim" }
