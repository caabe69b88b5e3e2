# Install rules and a CMake package, so that another project's
# find_package(dagrad) and target_link_libraries(app dagrad::dagrad) work.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(TARGETS dagrad EXPORT dagradTargets
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        FILE_SET HEADERS DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT dagradTargets NAMESPACE dagrad:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dagrad)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/dagradConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/dagradConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dagrad)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/dagradConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/dagradConfig.cmake ${PROJECT_BINARY_DIR}/dagradConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/dagrad)
if(DAGRAD_BUILD_TOOLS)
  install(TARGETS dagrad_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
