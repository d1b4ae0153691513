// Stand-in for std::ios_base_library_init(), which libstdc++ gained in GCC 13 (GLIBCXX_3.4.32).
//
// GCC 13's <iostream> no longer defines a static std::ios_base::Init in every translation unit;
// it references this function instead so that linking pulls in libstdc++'s own initialiser.
// TorchSharp's libLibTorchSharp.so was built that way, so on a GCC 12 libstdc++ (Debian 12) the
// reference has nothing to bind to. Defining it here, with the initialiser the older headers
// used, gives the reference a target and keeps std::cout and friends constructed before use.
// Built and linked in only where the system libstdc++ lacks the function: see
// build/TorchSharpLibstdcxx.targets.
#include <ios>

namespace std
{
    __attribute__((visibility("default"))) void ios_base_library_init()
    {
        static ios_base::Init init;
    }
}
