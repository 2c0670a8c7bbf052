# Writes the man page triad.1 from the program's own help: `triad help` (the command list) and
# `triad help COMMAND` for each command, the text --help prints, so the page and --help cannot
# drift apart. Run as a script after the program is built:
#   cmake -DTRIAD=build/triad -DVERSION=0.1.0 -DOUT=build/man/triad.1 -P cmake/TriadMan.cmake
# The help text goes in verbatim (.nf): backslashes become \e, a leading . or ' gets \&.
# SPDX-License-Identifier: GPL-2.0-or-later
function(triad_man_escape var text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${var} "${text}" PARENT_SCOPE)
endfunction()

function(triad_help out)
  execute_process(COMMAND ${TRIAD} help ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "TriadMan: '${TRIAD} help ${ARGN}' exited ${rc}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

triad_help(list)
# the commands: the first word of each indented line of the list
string(REGEX MATCHALL "\n  [a-z0-9]+ " words "${list}")
set(page ".TH TRIAD 1 \"\" \"triad ${VERSION}\" \"User Commands\"
.SH NAME
triad \\- a pulse-Doppler radar signal processor: recordings and live streams to detections,
tracks, warnings and their sharing
.SH SYNOPSIS
.B triad
.I COMMAND
[options]
.br
.B triad help
[\\fICOMMAND\\fR]
.br
.B triad \\-\\-version
.SH COMMANDS
")
triad_man_escape(text "${list}")
string(APPEND page ".nf\n${text}.fi\n")
foreach(w IN LISTS words)
  string(STRIP "${w}" cmd)
  triad_help(text ${cmd})
  triad_man_escape(text "${text}")
  string(APPEND page ".SS triad ${cmd}\n.nf\n${text}.fi\n")
endforeach()
string(APPEND page ".SH SEE ALSO
README.md (the two commands, using it), docs/FORMATS.md (files and wire formats),
docs/ARCHITECTURE.md (the libraries), python/README.md (the Python binding)
")
get_filename_component(dir "${OUT}" DIRECTORY)
file(MAKE_DIRECTORY "${dir}")
file(WRITE "${OUT}.tmp" "${page}")
file(RENAME "${OUT}.tmp" "${OUT}")
