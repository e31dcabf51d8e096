#!/usr/bin/python3
# gso-send.py IFNAME DST-MAC DST-IP PAYLOAD MSS: send one TCP/IPv4
# super-frame out of IFNAME as a VM's kernel hands one to its interface
# with TSO: a packet socket with PACKET_VNET_HDR, a virtio-net header
# asking for segmentation at MSS, the TCP checksum field holding the
# pseudo-header sum. The source MAC and IP are the interface's own.
# Payload byte i is (i * 7 + 3) & 0xff, for the receiver to check.
import socket
import struct
import sys

from scapy.all import IP, TCP, Ether, get_if_addr, get_if_hwaddr, raw

SOL_PACKET = 263
PACKET_VNET_HDR = 15
VIRTIO_NET_HDR_F_NEEDS_CSUM = 1
VIRTIO_NET_HDR_GSO_TCPV4 = 1


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def main():
    ifname, dst_mac, dst_ip = sys.argv[1:4]
    payload, mss = int(sys.argv[4]), int(sys.argv[5])
    data = bytes((i * 7 + 3) & 0xFF for i in range(payload))
    src_ip = get_if_addr(ifname)
    frame = bytearray(raw(
        Ether(dst=dst_mac, src=get_if_hwaddr(ifname)) /
        IP(src=src_ip, dst=dst_ip, id=4000, flags="DF") /
        TCP(sport=40000, dport=9, seq=1000, flags="PA", window=512, chksum=0) /
        data))
    l3, l4 = 14, 34
    tcp_len = len(frame) - l4
    s = 0
    for addr in (src_ip, dst_ip):
        a = socket.inet_aton(addr)
        s += (a[0] << 8 | a[1]) + (a[2] << 8 | a[3])
    s += socket.IPPROTO_TCP + tcp_len
    struct.pack_into("!H", frame, l4 + 16, fold(s))
    assert frame[l3] == 0x45
    vnet = struct.pack("<BBHHHH", VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4,
                       l4 + 20, mss, l4, 16)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    sock.bind((ifname, 0))
    sock.send(vnet + bytes(frame))


main()
