// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE /* pread under -std=c11 */
#include "kvm_stat.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_stat_open(int fd, const char *name, uint64_t *offset,
		  char *why, size_t why_len)
{
	struct kvm_stats_header header;
	size_t desc_size, descs_len;
	char *descs = NULL;
	int stats_fd;

	stats_fd = ioctl(fd, KVM_GET_STATS_FD, NULL);
	if (stats_fd < 0) {
		snprintf(why, why_len, "KVM_GET_STATS_FD: %s", strerror(errno));
		return -1;
	}
	if (pread(stats_fd, &header, sizeof(header), 0) != sizeof(header)) {
		snprintf(why, why_len, "reading the stats header: %s", strerror(errno));
		goto fail;
	}
	desc_size = sizeof(struct kvm_stats_desc) + header.name_size;
	descs_len = header.num_desc * desc_size;
	descs = malloc(descs_len ? descs_len : 1);
	if (!descs) {
		snprintf(why, why_len, "out of memory");
		goto fail;
	}
	if (pread(stats_fd, descs, descs_len, header.desc_offset) != (ssize_t)descs_len) {
		snprintf(why, why_len, "reading the stats descriptors: %s", strerror(errno));
		goto fail;
	}
	for (uint32_t i = 0; i < header.num_desc; i++) {
		struct kvm_stats_desc *d = (void *)(descs + i * desc_size);

		if (strncmp(d->name, name, header.name_size) != 0)
			continue;
		if ((d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE ||
		    d->size != 1) {
			snprintf(why, why_len,
				 "stat '%s' is not one cumulative counter (flags 0x%x size %u)",
				 name, d->flags, d->size);
			goto fail;
		}
		*offset = header.data_offset + d->offset;
		free(descs);
		return stats_fd;
	}
	snprintf(why, why_len, "no binary stat named '%s' among %u", name, header.num_desc);
fail:
	free(descs);
	close(stats_fd);
	return -1;
}
