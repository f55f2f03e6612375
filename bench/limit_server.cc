// The same-machine limit for the read benchmark: a minimal Boost.Beast HTTP/1.1 server with the
// same I/O threading as salus (2 threads, keep-alive) that answers every request with a fixed
// 1 KB JSON document, doing no other work.
// Usage: bench_limit_server PORT
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;

static std::string Body() {
  std::string b = R"({"resourceType":"Patient","id":"limit","text":{"status":"generated","div":"<div>)";
  while (b.size() < 1000) b += "x";
  b += R"(</div>"}})";
  return b;
}

static asio::awaitable<void> Session(tcp::socket socket, const std::string& body) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  while (true) {
    http::request<http::string_body> req;
    auto [ec, n] = co_await http::async_read(stream, buffer, req, asio::as_tuple(asio::use_awaitable));
    if (ec) break;
    http::response<http::string_body> res{http::status::ok, req.version()};
    res.set(http::field::content_type, "application/fhir+json; charset=utf-8");
    res.keep_alive(req.keep_alive());
    res.body() = body;
    res.prepare_payload();
    auto [wec, w] = co_await http::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
    if (wec || !req.keep_alive()) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

static asio::awaitable<void> Accept(tcp::acceptor& acceptor, const std::string& body) {
  while (true) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    socket.set_option(tcp::no_delay(true));
    asio::co_spawn(socket.get_executor(), Session(std::move(socket), body), asio::detached);
  }
}

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: bench_limit_server PORT\n";
    return 2;
  }
  static const std::string body = Body();
  asio::io_context ioc(2);
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
  asio::co_spawn(ioc, Accept(acceptor, body), asio::detached);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) threads.emplace_back([&] { ioc.run(); });
  for (auto& t : threads) t.join();
}
