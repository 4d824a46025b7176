"""Which IP addresses are personal data: the policy of the IP_ADDRESS findings.

An address identifies a person when it is theirs: a public address (a home line, a
phone's carrier address) always can be, so it is always redacted. A private or loopback
address (RFC 1918 10/8, 172.16/12, 192.168/16, 127/8, RFC 4193 fc00::/7, link-local
169.254/16 and fe80::/10) is reachable only inside one network: the address of an
internal server, database, node or printer names a machine of an organisation, not
anyone, and redacting it destroys the log or config line an operator needs. So:

* kept: four numbers inside a longer dotted run (an OID, a version), a network range
  (192.168.0.0/16: host bits zero), and a private address the text shows to be
  infrastructure: a host of a URL, a `KEY=` / `host:` config value, followed by a port,
  near an infrastructure word in its sentence (server, host, db, replica, redis, node,
  cluster, pod, router, printer, gateway, logs, 服务器, 内网, 节点, 打印机 ...), beside a public
  address (one side of a connection), asked about (is it routable?), or beside an
  internal host name (*.internal, *.corp);
* still a finding: a private address written as a person's own device or connection
  ("my laptop is on", "her phone's IP", "his IP", "home wifi", 用户X的电脑IP, 我家里的IP), and
  one with no infrastructure word at all.
"""

from __future__ import annotations

import ipaddress

import regex

from sentinel.privacy.sentences import sentence_bounds

# RFC 1918, loopback, link-local (RFC 3927), RFC 4193 unique local, IPv6 link-local.
_INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)
_DOTTED_ON = regex.compile(r"\.\d")
_DOTTED_BEFORE = regex.compile(r"\d\.$")
# Right after the scheme: with a user and password before it the URL is a credential.
_URL_HOST = regex.compile(r"[A-Za-z][A-Za-z0-9+.-]*://$")
_IPV4 = regex.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])")
_IPV6 = regex.compile(r"(?<![\w:])(?:[0-9a-fA-F]{1,4}:){2,7}:?[0-9a-fA-F]{0,4}(?![\w:])")
_ABOUT_ADDRESS = regex.compile(
    r"\b(?:reachable|routable|private|public|internal|rfc\s*1918|subnet|range)\b"
    r"|私有|私网|内网|公网|可达|能不能访问",
    regex.IGNORECASE,
)
_INTERNAL_HOST = regex.compile(
    r"\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|lan|corp|intranet|home\.arpa)\b",
    regex.IGNORECASE,
)
# A configuration value: KEY=..., key: ..., "host": "...", --host ..., bind ..., @ in a log.
_CONFIG_BEFORE = regex.compile(
    r"(?:\b[A-Za-z_][\w.-]*\s*[=:]\s*[\"']?|--?[a-z][\w-]*[=\s]\s*[\"']?|[\"'][\w.-]+[\"']\s*:\s*[\"'])$"
)
_PORT_AFTER = regex.compile(r":\d{1,5}\b")
# Machines, services and network gear (and the logs they write), in English and Chinese.
_INFRA = regex.compile(
    r"(?<![A-Za-z0-9])(?:servers?|hosts?|hostname|vms?|instances?|boxe?s?|machines?|nodes?|clusters?|pods?|"
    r"containers?|k8s|kubernetes|docker|dbs?|databases?|replicas?|primary|standby|master|"
    r"slaves?|shards?|redis|memcached|mysql|postgres(?:ql)?|mongo(?:db)?|kafka|rabbitmq|"
    r"zookeeper|etcd|elasticsearch|nginx|apache|haproxy|envoy|proxy|gateway|routers?|"
    r"switch(?:es)?|firewalls?|waf|nas|printers?|scanners?|cameras?|nvr|dvr|"
    r"access\s+point|load\s+balancer|lb|dns|dhcp|ntp|ldap|smtp|ftp|sftp|ssh|rdp|vpn|vlan|"
    r"subnet|cidr|netmask|ports?|listen(?:ing|s)?|bind|upstream|backend|frontend|api|"
    r"endpoint|services?|daemon|runners?|ci|jenkins|build|deploy(?:ment|ed)?|staging|prod|"
    r"production|cron|jobs?|workers?|queue|cache|storage|bucket|mount|nfs|smb|ping|"
    r"traceroute|curl|telnet|timeout|latency|requests?|logs?|logged|syslog|stack|metrics|"
    r"grafana|prometheus|dashboard|internal|intranet|lan|egress|ingress|datacenter|rack|"
    r"ipmi|idrac|ilo|bmc|hypervisor|esxi|proxmox|iot|plc|sensor|sql|query|queries|select|"
    r"rows)(?![A-Za-z0-9])"
    r"|服务器|主机|内网|局域网|节点|集群|网关|路由器?|交换机|防火墙|打印机|扫描仪|摄像头|数据库|"
    r"从库|主库|缓存|容器|机房|机柜|日志|端口|部署|服务|接口|测试环境|生产环境|虚拟机|云主机|负载均衡",
    regex.IGNORECASE,
)
# A person's own device or connection, right before the address in its clause.
_DEVICE = (
    r"(?:laptop|phone|cell|mobile|computer|pc|mac|macbook|iphone|ipad|tablet|desktop|"
    r"device|console|xbox|playstation|tv|watch)"
)
_PERSONAL = regex.compile(
    r"\b(?:my|her|his|your|their)\s+(?:own\s+|home\s+|new\s+|old\s+|work\s+)?"
    r"(?:" + _DEVICE + r"|ip|ip\s+address|address|wifi|wi-fi|connection|router|modem|hotspot)\b"
    r"|\p{L}['’]s\s+(?:own\s+|new\s+|old\s+|work\s+)?" + _DEVICE + r"\b"
    r"|\bhome\s+(?:wifi|wi-fi|network|router|ip|connection|internet)\b"
    r"|(?:我|你|您|他|她)(?:家里?)?的?(?:电脑|手机|笔记本|平板|IP|ip)"
    r"|\p{Han}的(?:电脑|手机|笔记本|平板)|家里的?(?:IP|ip|网络|路由器|宽带|电脑)",
    regex.IGNORECASE,
)
# The device a URL is given as, right before it: "my laptop is at http://...".
_DEVICE_URL = regex.compile(
    r"(?:" + _PERSONAL.pattern + r")['’]?s?\s*(?:(?:is|was)\s+)?(?:at\s+|on\s+|[:=]\s*)?$",
    regex.IGNORECASE,
)
_CLAUSE_END = regex.compile(r"[，。！？；;\n]|[,.!?](?=\s|$)|\\n")
_PERSONAL_REACH = 60  # characters before the address searched for its owner
# Between a device and the next address: the device is that address's (and my laptop 10...).
_NAMES_NEXT = regex.compile(r"(?:['’]s)?(?:\W|\b(?:ip|address|is|at|on|uses?|has)\b)*", regex.I)


def kept(text: str, start: int, end: int) -> bool:
    """Whether the IP_ADDRESS finding text[start:end] is no personal data."""
    if _DOTTED_ON.match(text, end) or _DOTTED_BEFORE.search(text, max(0, start - 2), start):
        return True  # 1.3.6.1.4.1.2021: an OID or a version, longer than an address
    value = text[start:end]
    try:
        if "/" in value:
            network = ipaddress.ip_network(value, strict=False)
            return network.prefixlen < network.max_prefixlen and value.split("/")[0] == str(
                network.network_address
            )
        address = ipaddress.ip_address(value)
    except ValueError:
        return False
    if not _internal(address):
        return False
    url = _URL_HOST.search(text, max(0, start - 40), start)
    if url:  # an internal service's, unless given as someone's device (my laptop is at ...)
        return not _DEVICE_URL.search(text, max(0, url.start() - _PERSONAL_REACH), url.start())
    if _owned(text, start, end):
        return False
    return _infrastructure(text, start, end)


def _internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """In one of the ranges no public route reaches. Not Python's `is_private`, which
    also holds the documentation ranges (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
    2001:db8::/32): texts use those to stand for public addresses."""
    return any(address in network for network in _INTERNAL)


def _owned(text: str, start: int, end: int) -> bool:
    """A person's device or connection named in the clause before (or right after) it;
    after it only up to the next address, which a device named there belongs to
    (DB_HOST=10.2.3.4 and my laptop 192.168.1.9)."""
    begin = max(0, start - _PERSONAL_REACH)
    for m in _CLAUSE_END.finditer(text, begin, start):
        begin = m.end()
    if _PERSONAL.search(text, begin, start):
        return True
    stop = min(len(text), end + 40)
    found = _CLAUSE_END.search(text, end, stop)
    stop = found.start() if found else stop
    following = [m.start() for p in (_IPV4, _IPV6) if (m := p.search(text, end, stop))]
    after = _PERSONAL.search(text, end, stop)
    if after is None or not following:
        return after is not None
    return not _NAMES_NEXT.fullmatch(text, after.end(), min(following))


def _infrastructure(text: str, start: int, end: int) -> bool:
    if _CONFIG_BEFORE.search(text, max(0, start - 40), start) or _PORT_AFTER.match(text, end):
        return True
    sentence_start, sentence_end = sentence_bounds(text, start, end, 200)
    if _INFRA.search(text, sentence_start, sentence_end):
        return True
    if _INTERNAL_HOST.search(text, sentence_start, sentence_end):
        return True
    sentence = text[sentence_start:sentence_end]
    if _ABOUT_ADDRESS.search(sentence) and ("?" in sentence or "？" in sentence):
        return True
    near = max(0, start - 400), min(len(text), end + 400)
    for m in (*_IPV4.finditer(text, *near), *_IPV6.finditer(text, *near)):
        try:
            other = ipaddress.ip_address(m.group())
            if not (_internal(other) or other.is_unspecified or other.is_multicast):
                return True  # one side of a connection whose other side is public
        except ValueError:
            continue
    return False
