# One library per stage, each built once and packaged twice (shared and static).
# SPDX-License-Identifier: GPL-2.0-or-later
#
#   triad_add_library(<name> [OUTPUT <file name>] [EXPORT <name in triad::>]
#                     [SOURCES <files...>] [TRIAD <triad libraries it uses...>]
#                     [DEPS <imported targets it links...>] [COMPILE_IN <interface targets...>])
#
# makes three targets:
#   <name>_objects  OBJECT, position independent: add a stage's sources here
#                   (target_sources(<name>_objects PRIVATE host/<stage>/x.c))
#   <name>          STATIC lib<OUTPUT>.a: what the triad program and the tests link; exported
#                   as triad::<EXPORT>_static
#   <name>_shared   SHARED lib<OUTPUT>.so (SONAME from the major version): exported as
#                   triad::<EXPORT>
# TRIAD names other triad_add_library libraries by <name> (their static or shared twin is
# linked as fits); DEPS are linked privately by the shared library and publicly by the static
# one; COMPILE_IN are interface targets whose sources compile into the library (idlc's).
include(GNUInstallDirs)

function(triad_add_library name)
  cmake_parse_arguments(ARG "" "OUTPUT;EXPORT" "SOURCES;TRIAD;DEPS;COMPILE_IN" ${ARGN})
  if(NOT ARG_OUTPUT)
    set(ARG_OUTPUT ${name})
  endif()
  if(NOT ARG_EXPORT)
    set(ARG_EXPORT ${name})
  endif()
  set(public_includes $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
                      $<BUILD_INTERFACE:${PROJECT_BINARY_DIR}/include>
                      $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

  add_library(${name}_objects OBJECT ${ARG_SOURCES})
  set_target_properties(${name}_objects PROPERTIES POSITION_INDEPENDENT_CODE ON)
  target_include_directories(${name}_objects PUBLIC ${public_includes}
    PRIVATE ${PROJECT_SOURCE_DIR}/host ${PROJECT_BINARY_DIR}/generated)
  target_compile_options(${name}_objects PRIVATE ${TRIAD_WARNINGS})
  target_link_libraries(${name}_objects PRIVATE ${ARG_DEPS} ${ARG_COMPILE_IN})

  set(triad_shared "")
  foreach(lib IN LISTS ARG_TRIAD)
    list(APPEND triad_shared ${lib}_shared)
  endforeach()

  add_library(${name} STATIC $<TARGET_OBJECTS:${name}_objects>)
  target_include_directories(${name} INTERFACE ${public_includes})
  target_link_libraries(${name} PUBLIC ${ARG_TRIAD} ${ARG_DEPS})
  set_target_properties(${name} PROPERTIES OUTPUT_NAME ${ARG_OUTPUT}
                        EXPORT_NAME ${ARG_EXPORT}_static)

  add_library(${name}_shared SHARED $<TARGET_OBJECTS:${name}_objects>)
  target_include_directories(${name}_shared INTERFACE ${public_includes})
  target_link_libraries(${name}_shared PUBLIC ${triad_shared} PRIVATE ${ARG_DEPS})
  set_target_properties(${name}_shared PROPERTIES OUTPUT_NAME ${ARG_OUTPUT}
                        EXPORT_NAME ${ARG_EXPORT} VERSION ${PROJECT_VERSION}
                        SOVERSION ${PROJECT_VERSION_MAJOR})

  install(TARGETS ${name} ${name}_shared EXPORT triadTargets
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  set_property(GLOBAL APPEND PROPERTY TRIAD_LIBRARIES ${name})
endfunction()
