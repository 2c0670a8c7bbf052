/* triad devices: the OpenCL platforms and devices, with the limits that matter to the
 * kernels. SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "triad/devices.h"
#include "triad/error.h"

int cmd_devices(int argc, char **argv)
{
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("usage: triad devices\n"
               "  List every OpenCL platform and device: name, vendor, versions, driver, compute\n"
               "  units, memory and work-group limits. --device N|NAME of the processing commands\n"
               "  picks from this list.\n");
        return 0;
    }
    if (argc > 1)
        return cli_error("devices", 2, "takes no arguments");
    triad_device_info *list;
    size_t n;
    if (triad_devices(&list, &n))
        return cli_error("devices", 1, "%s", triad_errmsg());
    for (size_t i = 0; i < n; i++) {
        const triad_device_info *d = &list[i];
        printf("%zu: %s (%s)%s\n", d->index, d->name, d->vendor,
               d->is_gpu ? "  [GPU]" : d->is_cpu ? "  [CPU]" : "");
        printf("   platform %s; %s; %s; driver %s\n", d->platform, d->version, d->c_version,
               d->driver);
        printf("   %u compute units, %.2f GiB global memory (largest buffer %.2f GiB), %.0f KiB "
               "local memory, %zu work-items per work-group\n",
               d->compute_units, (double)d->global_mem_bytes / 1073741824.0,
               (double)d->max_alloc_bytes / 1073741824.0, (double)d->local_mem_bytes / 1024.0,
               d->max_work_group_size);
    }
    triad_devices_free(list);
    return 0;
}
