// Boost.URL's compiled part, built into this library so that no Boost binary package is needed.
#include <boost/url/src.hpp>
