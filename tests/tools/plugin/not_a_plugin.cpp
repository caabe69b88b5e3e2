// A shared library without dagrad's entry point.
extern "C" int not_a_plugin_answer() { return 42; }
