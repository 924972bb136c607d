/* A shared library that is not an abcsmc plugin (no entry points). */
int not_a_plugin_answer(void) { return 42; }
