#!/usr/bin/env bash
# One-shot setup for docker-compose.yml: a CA and certificates for es01 and kibana, the kibana_system
# password, and a `vigil` user whose role may only manage and write Vigil's own indices.
set -euo pipefail
cd /usr/share/elasticsearch
certs=config/certs
if [ ! -f "$certs/ca.zip" ]; then
  bin/elasticsearch-certutil ca --silent --pem -out "$certs/ca.zip"
  unzip -o -q "$certs/ca.zip" -d "$certs"
fi
if [ ! -f "$certs/certs.zip" ]; then
  cat > "$certs/instances.yml" <<'YML'
instances:
  - name: es01
    dns: [es01, localhost]
    ip: [127.0.0.1]
  - name: kibana
    dns: [kibana, localhost]
    ip: [127.0.0.1]
YML
  bin/elasticsearch-certutil cert --silent --pem -out "$certs/certs.zip" --in "$certs/instances.yml" \
    --ca-cert "$certs/ca/ca.crt" --ca-key "$certs/ca/ca.key"
  unzip -o -q "$certs/certs.zip" -d "$certs"
fi
chown -R root:root "$certs"; find "$certs" -type d -exec chmod 750 {} \; ; find "$certs" -type f -exec chmod 640 {} \;
chmod 644 "$certs/ca/ca.crt"  # Vigil's container reads the CA as an unprivileged user
es="https://es01:9200"
until curl -s --cacert "$certs/ca/ca.crt" "$es" | grep -q "missing authentication credentials"; do sleep 5; done
auth=(-s --fail --cacert "$certs/ca/ca.crt" -u "elastic:${ELASTIC_PASSWORD}" -H "Content-Type: application/json")
until curl "${auth[@]}" -X POST "$es/_security/user/kibana_system/_password" -d "{\"password\":\"${KIBANA_PASSWORD}\"}" >/dev/null; do sleep 5; done
curl "${auth[@]}" -X PUT "$es/_security/role/vigil_writer" -d '{
  "cluster": ["monitor", "manage_index_templates", "manage_ilm"],
  "indices": [{"names": ["vigil-*"], "privileges": ["all"]}]
}' >/dev/null
curl "${auth[@]}" -X PUT "$es/_security/user/vigil" \
  -d "{\"password\":\"${VIGIL_ES_PASSWORD}\",\"roles\":[\"vigil_writer\"],\"full_name\":\"Vigil\"}" >/dev/null
echo "setup done"
