"""Prints the directory `cmake --install` puts the dynlib package in for an install prefix.

Debian's /usr/bin/python3 imports from /usr/local/lib/python3.X/dist-packages (its default
'posix_local' scheme), which sysconfig cannot derive from a prefix, so that directory is used
whenever it lies below the prefix; any other prefix gets the standard posix_prefix layout.
"""
import os
import sys
import sysconfig

prefix = os.path.normpath(sys.argv[1])
default = sysconfig.get_path("platlib")
if default.startswith(prefix + os.sep):
    print(default)
else:
    print(sysconfig.get_path("platlib", "posix_prefix", vars={"base": prefix, "platbase": prefix}))
