// The one translation unit that compiles Boost.Beast (BOOST_BEAST_SEPARATE_COMPILATION is set on
// fabomatic_beast and everything linking it: the portal's HTTP server and the broker's WebSocket
// listener), like asio_impl.cpp does for Asio.
#include <boost/beast/src.hpp>
