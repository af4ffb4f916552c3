// The one translation unit that compiles Boost.Asio (and its SSL support): every other file
// includes Asio's headers with BOOST_ASIO_SEPARATE_COMPILATION and links against this, which
// keeps Asio's heavy templates out of every rebuild.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
