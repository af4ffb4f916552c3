// The one translation unit that compiles Boost.Beast (BOOST_BEAST_SEPARATE_COMPILATION is set on
// fabomatic_web and everything linking it), like broker/asio_impl.cpp does for Asio.
#include <boost/beast/src.hpp>
