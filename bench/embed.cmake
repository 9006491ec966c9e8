# Writes the bytes of IN as a C array kLaunchGuest into the header OUT.
file(READ ${IN} HEX HEX)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," BYTES "${HEX}")
file(WRITE ${OUT} "static const unsigned char kLaunchGuest[] = {${BYTES}};\nstatic const bool kHaveLaunchGuest = true;\n")
