// The `tensorwasm` executable: everything lives in tw_cli_lib (app.cpp and the subcommands).
#include "tensorwasm/cli/app.h"

int main(int argc, char** argv) { return tw::cli::runMain(argc, argv); }
