# Install rules and a CMake package with components, so that another
# project's
#   find_package(dagrad REQUIRED COMPONENTS core nn)
#   target_link_libraries(app PRIVATE dagrad::core dagrad::nn)
# works, and finds only what those components need (no Graphviz for nn).
# find_package(dagrad) without COMPONENTS loads every installed component but
# testing, and defines dagrad::dagrad.
include(CMakePackageConfigHelpers)
set(DAGRAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/dagrad)

get_property(components GLOBAL PROPERTY DAGRAD_COMPONENTS)
set(DAGRAD_CONFIG_COMPONENTS "")
set(DAGRAD_CONFIG_COMPONENT_CODE_REQUIRES "")
set(DAGRAD_CONFIG_COMPONENT_CODE_DEPENDENCIES "")
foreach(component IN LISTS components)
  install(TARGETS dagrad_${component} EXPORT dagrad-${component}-targets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
          RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
  install(EXPORT dagrad-${component}-targets NAMESPACE dagrad:: DESTINATION ${DAGRAD_CMAKE_DIR})

  # What the config file does for this component: what it requires, then the
  # packages a consumer must find (the private ones only for a static build).
  get_property(requires GLOBAL PROPERTY DAGRAD_COMPONENT_${component}_REQUIRES)
  get_property(find_dependencies GLOBAL PROPERTY DAGRAD_COMPONENT_${component}_FIND_DEPENDENCY)
  get_property(static_code GLOBAL PROPERTY DAGRAD_COMPONENT_${component}_STATIC_DEPENDENCY_CODE)
  list(APPEND DAGRAD_CONFIG_COMPONENTS ${component})
  string(APPEND DAGRAD_CONFIG_COMPONENT_CODE_REQUIRES "set(_dagrad_requires_${component} ${requires})\n")
  set(find_code "")
  foreach(dependency IN LISTS find_dependencies)
    string(APPEND find_code "  find_dependency(${dependency})\n")
  endforeach()
  get_target_property(type dagrad_${component} TYPE)
  if(type STREQUAL "STATIC_LIBRARY" AND static_code)
    string(APPEND find_code "  ${static_code}\n")
  endif()
  if(find_code)
    string(APPEND DAGRAD_CONFIG_COMPONENT_CODE_DEPENDENCIES
           "if(\"${component}\" IN_LIST _dagrad_load)\n${find_code}endif()\n")
  endif()
endforeach()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dagradConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/dagradConfig.cmake
                              INSTALL_DESTINATION ${DAGRAD_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dagradConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dagradConfig.cmake ${PROJECT_BINARY_DIR}/dagradConfigVersion.cmake
        DESTINATION ${DAGRAD_CMAKE_DIR})

if(TARGET dagrad_cli)
  install(TARGETS dagrad_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
