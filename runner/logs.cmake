# runner/logs.cmake: the durable log store (berth_logs) and the awslogs
# shipper of the task monitor.  Included from api/CMakeLists.txt, after
# runner/ defined berth_monitor; BERTH_HAVE_LOGS reaches every user.
find_package(ZLIB REQUIRED)
add_library(berth_logs STATIC
  ${CMAKE_CURRENT_LIST_DIR}/logstore.c ${CMAKE_CURRENT_LIST_DIR}/logstore_events.c)
target_link_libraries(berth_logs PUBLIC berth_common PkgConfig::CRYPTO ZLIB::ZLIB)
target_compile_definitions(berth_logs PUBLIC BERTH_HAVE_LOGS=1)
