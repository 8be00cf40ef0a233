//go:build linux

package bench

import (
	"net/netip"
	"testing"

	mnet "github.com/gomio/mio/net"
)

// BenchmarkUDP sends and receives 32 datagrams of 64 bytes per iteration:
// impl=batch with one SendBatch and one RecvBatch, impl=single with 32
// SendTo and 32 RecvFrom. dgrams/s is the figure to compare.
func BenchmarkUDP(b *testing.B) {
	const batch = 32
	for _, impl := range []string{"batch", "single"} {
		b.Run("impl="+impl, func(b *testing.B) {
			a, err := mnet.BindUDP(netip.MustParseAddrPort("127.0.0.1:0"))
			if err != nil {
				b.Fatal(err)
			}
			defer a.Close()
			r, err := mnet.BindUDP(netip.MustParseAddrPort("127.0.0.1:0"))
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			to, _ := r.LocalAddr()
			payload := make([]byte, 64)
			out := make([]mnet.Message, batch)
			in := make([]mnet.Message, batch)
			for i := range out {
				out[i] = mnet.Message{Buf: payload, Addr: to}
				in[i].Buf = make([]byte, 64)
			}
			b.ReportAllocs()
			for b.Loop() {
				if impl == "batch" {
					if n, err := a.SendBatch(out); n != batch || err != nil {
						b.Fatalf("SendBatch (%d, %v)", n, err)
					}
					for got := 0; got < batch; {
						n, err := r.RecvBatch(in[:batch-got])
						if err != nil {
							b.Fatalf("RecvBatch (%d, %v)", n, err)
						}
						got += n
					}
					continue
				}
				for range batch {
					if _, err := a.SendTo(payload, to); err != nil {
						b.Fatal(err)
					}
				}
				for range batch {
					if _, _, err := r.RecvFrom(in[0].Buf); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N)*batch/b.Elapsed().Seconds(), "dgrams/s")
		})
	}
}
