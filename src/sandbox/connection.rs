//! The sandbox's TCP connections, each with a switch that cuts it off: how
//! [`Fault::Drop`](super::Fault::Drop) closes a connection before any byte of
//! the answer is written.
//!
//! `axum::serve` owns every connection it accepts, and a handler can only
//! return a response, never close its connection. So the listener wraps each
//! stream with a [`Cutoff`] and hands a clone of it to the handlers through
//! `ConnectInfo`. Once a handler cuts the connection, the stream accepts no
//! more bytes: hyper's write of the response head fails, hyper gives up on the
//! connection and drops the socket, and the client sees the connection close
//! without an answer.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// A TCP listener whose connections can be cut off by the requests on them.
#[derive(Debug)]
pub(super) struct CuttableListener(pub(super) TcpListener);

/// An accepted connection and the switch that cuts it off.
#[derive(Debug)]
pub(super) struct CuttableStream {
    stream: TcpStream,
    cutoff: Cutoff,
}

/// Cuts one connection off; every request on that connection finds a clone in
/// its `ConnectInfo<Cutoff>` extension.
#[derive(Clone, Debug, Default)]
pub(super) struct Cutoff(Arc<AtomicBool>);

impl Cutoff {
    /// From now on the connection neither reads nor writes a byte.
    pub(super) fn cut(&self) {
        self.0.store(true, Ordering::Release);
    }

    fn is_cut(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

impl Listener for CuttableListener {
    type Io = CuttableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (CuttableStream, SocketAddr) {
        // axum's own accept loop, which already retries failed accepts.
        let (stream, addr) = <TcpListener as Listener>::accept(&mut self.0).await;
        (CuttableStream { stream, cutoff: Cutoff::default() }, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, CuttableListener>> for Cutoff {
    fn connect_info(stream: IncomingStream<'_, CuttableListener>) -> Cutoff {
        stream.io().cutoff.clone()
    }
}

impl CuttableStream {
    /// The error every write meets once the connection is cut.
    fn refuse_if_cut(&self) -> io::Result<()> {
        if self.cutoff.is_cut() {
            return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "connection cut off"));
        }
        Ok(())
    }
}

impl AsyncRead for CuttableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // A cut connection reads as closed, so hyper waits for no further request.
        if self.cutoff.is_cut() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.get_mut().stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CuttableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.refuse_if_cut()?;
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.refuse_if_cut()?;
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.refuse_if_cut()?;
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}
